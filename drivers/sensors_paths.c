/* sensors_paths.c - file identity checks (sensors_paths.h). */
#include "sensors_paths.h"

#include <string.h>
#include <sys/stat.h>

int regia_sn_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b || stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int regia_sn_in_dir(const char *path, const char *dir)
{
    struct stat sd, sp;
    char parent[4096];
    if (!path || !dir || stat(dir, &sd) != 0 || !S_ISDIR(sd.st_mode)) return 0;
    const char *slash = strrchr(path, '/');
    if (!slash) {
        parent[0] = '.';
        parent[1] = 0;
    } else {
        size_t n = (size_t)(slash - path);
        if (n == 0) n = 1; /* "/x": the root */
        if (n >= sizeof parent) return 0;
        memcpy(parent, path, n);
        parent[n] = 0;
    }
    if (stat(parent, &sp) != 0) return 0;
    return sp.st_dev == sd.st_dev && sp.st_ino == sd.st_ino;
}
