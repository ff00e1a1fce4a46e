/* ETS model codes and specs (see regia/ets.h). */
#include <ctype.h>
#include <string.h>

#include "regia/ets.h"

regia_ets_spec_t regia_ets_default_spec(int period)
{
    regia_ets_spec_t s = {.error = 'Z', .trend = 'Z', .season = 'Z', .damped = -1,
                          .allow_multiplicative_trend = 0, .restrict_models = 1,
                          .period = period < 1 ? 1 : period};
    return s;
}

regia_status_t regia_ets_parse_model(const char *code, regia_ets_spec_t *spec)
{
    if (!code) return REGIA_FAIL(REGIA_ERR_INVALID, "no ETS model code given");
    if (!strcmp(code, "auto") || !strcmp(code, "ZZZ")) {
        spec->error = spec->trend = spec->season = 'Z';
        spec->damped = -1;
        return REGIA_OK;
    }
    size_t n = strlen(code);
    char c[4] = {0};
    int damped = 0;
    if (n == 3) {
        memcpy(c, code, 3);
    } else if (n == 4 && code[2] == 'd') {
        c[0] = code[0];
        c[1] = code[1];
        c[2] = code[3];
        damped = 1;
    } else {
        goto bad;
    }
    for (int i = 0; i < 3; i++) c[i] = (char)toupper((unsigned char)c[i]);
    if (!strchr("AMZ", c[0]) || !strchr("NAMZ", c[1]) || !strchr("NAMZ", c[2])) goto bad;
    if (damped && (c[1] == 'N')) goto bad;
    spec->error = c[0];
    spec->trend = c[1];
    spec->season = c[2];
    /* "AAN": undamped only; "AAdN": damped only; "AZN": both. */
    spec->damped = damped ? 1 : (c[1] == 'Z' ? -1 : 0);
    if (c[1] == 'M') spec->allow_multiplicative_trend = 1;
    return REGIA_OK;
bad:
    return REGIA_FAIL(REGIA_ERR_INVALID,
                      "'%s' is not an ETS model code: expected 'auto' or error-trend-season letters "
                      "such as ANN, AAdA, MNM (error A|M|Z, trend N|A|Ad|M|Md|Z, season N|A|M|Z)", code);
}

void regia_ets_model_code(regia_ets_model_t m, char buf[5])
{
    static const char L[] = "NAM";
    int i = 0;
    buf[i++] = L[m.error];
    buf[i++] = L[m.trend];
    if (m.damped && m.trend != REGIA_ETS_NONE) buf[i++] = 'd';
    buf[i++] = L[m.season];
    buf[i] = '\0';
}
