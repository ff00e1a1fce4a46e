/* test_queue_input.c - regia queue's weekly shift schedules and arrival traces
 * (drivers/queue_input.c): the shift grammar (days, ranges that wrap, '+' lists, daily,
 * full names in any case, shifts past midnight and past the week's end, 24:00, x N and
 * "x N", overlaps adding up), the merge into segments in each time unit, the schedule CSV
 * and the trace CSV (sorting with ties in file order, a ';' file with decimal commas), and
 * the messages of bad values naming the option or the file, line and column. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "../../drivers/queue_input.h"
#include "regia/status.h"

static queue_week_t W;

static int on(int day, int h, int m) { return W.on[day * 1440 + h * 60 + m]; }

static regia_status_t add(const char *text) { return queue_shift_add(&W, text, "--schedule"); }

static int msg_has(const char *s)
{
    int ok = strstr(regia_error_msg(), s) != NULL;
    if (!ok) fprintf(stderr, "message: %s\n  lacks: %s\n", regia_error_msg(), s);
    regia_error_clear();
    return ok;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) { perror(path); exit(2); }
    fputs(text, f);
    fclose(f);
}

int main(void)
{
    /* --- the shift grammar --- */
    memset(&W, 0, sizeof W);
    CHECK(add("Mon-Fri 08:00-16:00 x3") == REGIA_OK);
    CHECK(on(0, 8, 0) == 3 && on(4, 15, 59) == 3 && on(4, 16, 0) == 0 && on(0, 7, 59) == 0 && on(5, 10, 0) == 0);
    CHECK(add("monday 12:00-13:00 X 2") == REGIA_OK); /* full name, any case, "X 2" */
    CHECK(on(0, 12, 30) == 5 && on(1, 12, 30) == 3);  /* overlapping shifts add up */
    memset(&W, 0, sizeof W);
    CHECK(add("Sat-Mon 10:00-11:00") == REGIA_OK);    /* wraps over Sunday; x1 by default */
    CHECK(on(5, 10, 0) == 1 && on(6, 10, 0) == 1 && on(0, 10, 0) == 1 && on(1, 10, 0) == 0);
    memset(&W, 0, sizeof W);
    CHECK(add("Tue+Thu 22:00-06:00 x2") == REGIA_OK); /* past midnight */
    CHECK(on(1, 22, 0) == 2 && on(2, 5, 59) == 2 && on(2, 6, 0) == 0 && on(3, 23, 0) == 2 && on(4, 3, 0) == 2);
    memset(&W, 0, sizeof W);
    CHECK(add("Sun 23:00-01:00") == REGIA_OK);        /* past the week's end: Monday morning */
    CHECK(on(6, 23, 30) == 1 && on(0, 0, 30) == 1 && on(0, 1, 0) == 0);
    memset(&W, 0, sizeof W);
    CHECK(add("daily 00:00-24:00 x4") == REGIA_OK);
    CHECK(add("Wed 00:00-00:00") == REGIA_OK);        /* start = end: the whole day */
    CHECK(on(2, 0, 0) == 5 && on(2, 23, 59) == 5 && on(3, 0, 0) == 4 && on(6, 23, 59) == 4);

    /* --- segments --- */
    memset(&W, 0, sizeof W);
    CHECK(add("Mon 01:00-02:00 x1") == REGIA_OK);
    queue_sched_t S;
    CHECK(queue_sched_build(&W, 60, &S, "--schedule") == REGIA_OK);
    CHECK(S.n == 3 && S.end[0] == 1 && S.end[1] == 2 && S.end[2] == 168 && S.period == 168);
    CHECK(S.servers[0] == 0 && S.servers[1] == 1 && S.servers[2] == 0 && S.max_servers == 1);
    CHECK_CLOSE(S.mean_servers, 1.0 / 168, 1e-15, 0);
    CHECK(queue_sched_build(&W, 1, &S, "--schedule") == REGIA_OK && S.end[1] == 120 && S.period == 10080);
    CHECK(queue_sched_build(&W, 1440, &S, "--schedule") == REGIA_OK && S.period == 7);
    CHECK_CLOSE(S.end[0], 1.0 / 24, 1e-15, 0);
    memset(&W, 0, sizeof W);
    CHECK(queue_sched_build(&W, 60, &S, "--schedule") == REGIA_ERR_INVALID);
    CHECK(msg_has("--schedule: no server is on duty at any time of the week"));
    memset(&W, 0, sizeof W);
    CHECK(add("daily 00:00-24:00 x2") == REGIA_OK);   /* one segment: the whole week */
    CHECK(queue_sched_build(&W, 60, &S, "s") == REGIA_OK && S.n == 1 && S.end[0] == 168 && S.servers[0] == 2);

    /* --- bad shifts --- */
    memset(&W, 0, sizeof W);
    CHECK(add("Mox 08:00-16:00") == REGIA_ERR_INVALID);
    CHECK(msg_has("--schedule: shift 'Mox 08:00-16:00': 'Mox' is not a day"));
    CHECK(add("Mon-Frx 08:00-16:00") == REGIA_ERR_INVALID && msg_has("'Mon-Frx' is not a day"));
    CHECK(add("Mon 8:00-16:00") == REGIA_ERR_INVALID && msg_has("'8:00-16:00' is not a time range HH:MM-HH:MM"));
    CHECK(add("Mon 08:00-24:30") == REGIA_ERR_INVALID && msg_has("is not a time range"));
    CHECK(add("Mon 24:00-08:00") == REGIA_ERR_INVALID && msg_has("is not a time range"));
    CHECK(add("Mon 08:60-09:00") == REGIA_ERR_INVALID && msg_has("is not a time range"));
    CHECK(add("Mon 08:00-16:00 x0") == REGIA_ERR_INVALID && msg_has("'x0' is not a server count xN with N in 1..100000"));
    CHECK(add("Mon 08:00-16:00 x2.5") == REGIA_ERR_INVALID && msg_has("'x2.5' is not a server count"));
    CHECK(add("Mon 08:00-16:00 x3 extra") == REGIA_ERR_INVALID && msg_has("is not of the form 'DAYS HH:MM-HH:MM xN'"));
    CHECK(add("Mon") == REGIA_ERR_INVALID && msg_has("is not of the form"));
    CHECK(add("daily 00:00-24:00 x60000") == REGIA_OK);
    CHECK(add("Sun 23:00-01:00 x50000") == REGIA_ERR_INVALID && msg_has("more than 100000 servers on duty on Sun at 23:00"));
    int same = 1;
    for (int m = 0; m < QUEUE_WEEK_MIN; m++) same &= W.on[m] == 60000;
    CHECK(same); /* a refused shift adds nothing */

    /* --- the schedule CSV --- */
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char p[512];
    snprintf(p, sizeof p, "%s/test_queue_input_%d.csv", dir, (int)getpid());
    write_file(p, "note,servers,days,start,end\nx,3,Mon-Fri,08:00,16:00\n\ny,1,Sun,22:00,06:00\n");
    memset(&W, 0, sizeof W);
    CHECK(queue_sched_read_csv(p, &W) == REGIA_OK);
    CHECK(on(0, 8, 0) == 3 && on(6, 23, 0) == 1 && on(0, 5, 0) == 1 && on(0, 6, 0) == 0);
    write_file(p, "days;start;end;servers\nSat;09:00;13:00;2\n");
    memset(&W, 0, sizeof W);
    CHECK(queue_sched_read_csv(p, &W) == REGIA_OK && on(5, 12, 59) == 2 && on(5, 13, 0) == 0);
    write_file(p, "days,start,end,servers\nMon,08:00,16:00,1\nMon,08:00,16:00,\n");
    CHECK(queue_sched_read_csv(p, &W) == REGIA_ERR_PARSE && msg_has("line 3: column 'servers' is empty"));
    write_file(p, "days,start,end,servers\nMon,08:00,16:00,x3\n");
    CHECK(queue_sched_read_csv(p, &W) == REGIA_ERR_PARSE && msg_has("line 2: column 'servers': 'x3' is not an integer"));
    write_file(p, "days,start,end,servers\nMon-Sux,08:00,16:00,1\n");
    CHECK(queue_sched_read_csv(p, &W) == REGIA_ERR_INVALID && msg_has("line 2: column 'days': 'Mon-Sux' is not a day"));
    write_file(p, "days,begin,end,servers\nMon,08:00,16:00,1\n");
    CHECK(queue_sched_read_csv(p, &W) == REGIA_ERR_PARSE && msg_has("line 1: header lacks the column 'start'"));

    /* --- the arrivals trace --- */
    const char names[3][QUEUE_NAME_LEN] = {"U", "B", "P"};
    double *t = NULL;
    int32_t *k = NULL;
    int64_t n = 0, cnt[3];
    write_file(p, "class,time\nP,2.5\nU,1\nB,2.5\n U ,0\nP,2.5\n");
    CHECK(queue_trace_read(p, 3, names, 100, &t, &k, &n, cnt) == REGIA_OK);
    CHECK(n == 5 && cnt[0] == 2 && cnt[1] == 1 && cnt[2] == 2);
    if (n == 5) { /* sorted by time; equal times keep their file order (P, B, P) */
        CHECK(t[0] == 0 && t[1] == 1 && t[2] == 2.5 && t[4] == 2.5);
        CHECK(k[0] == 0 && k[1] == 0 && k[2] == 2 && k[3] == 1 && k[4] == 2);
    }
    free(t);
    free(k);
    write_file(p, "time;class\n1,5;U\n0,25;B\n");
    CHECK(queue_trace_read(p, 3, names, 100, &t, &k, &n, cnt) == REGIA_OK && n == 2 && t[0] == 0.25 && t[1] == 1.5);
    free(t);
    free(k);
    write_file(p, "time,class\n1,U\n2,U\n3,U\n");
    CHECK(queue_trace_read(p, 3, names, 2, &t, &k, &n, cnt) == REGIA_ERR_PARSE && msg_has("more than 2 arrivals"));
    CHECK(t == NULL && k == NULL && n == 0);
    write_file(p, "time,class\n1,U\n2,u\n");
    CHECK(queue_trace_read(p, 3, names, 100, &t, &k, &n, cnt) == REGIA_ERR_PARSE &&
          msg_has("line 3: column 'class': 'u' is not one of the classes U,B,P (--classes)"));
    write_file(p, "time,class\n1,U\ninf,U\n");
    CHECK(queue_trace_read(p, 3, names, 100, &t, &k, &n, cnt) == REGIA_ERR_PARSE &&
          msg_has("line 3: column 'time': 'inf' is not a number"));
    write_file(p, "time,class\n\"1\",\"P\"\n");
    CHECK(queue_trace_read(p, 3, names, 100, &t, &k, &n, cnt) == REGIA_OK && n == 1 && k[0] == 2);
    free(t);
    free(k);
    remove(p);
    return check_done();
}
