/* queue_input.h - the inputs of `regia queue` that are not plain option values: a weekly
 * shift schedule (option text or a small CSV) turned into the piecewise-constant servers
 * on duty that the queue kernel takes (regia/queue.h), and a trace of arrival times
 * (`time,class` CSV).  Host only, not collective, no MPI (cmd_queue.c reads files on rank 0
 * and broadcasts what they hold).  Errors name the option or file, the line and the field.
 */
#ifndef REGIA_QUEUE_INPUT_H
#define REGIA_QUEUE_INPUT_H

#include <stdint.h>

#include "regia/queue.h"
#include "regia/status.h"

enum {
    QUEUE_WEEK_MIN = 7 * 1440,   /* minutes of a week: the schedule's resolution          */
    QUEUE_NAME_LEN = 32,         /* longest class name + 1                                */
    QUEUE_MAX_SERVERS = 100000,  /* servers on duty at any minute                         */
};

/* Servers on duty in each minute of a week, Monday 00:00 = minute 0. */
typedef struct {
    int32_t on[QUEUE_WEEK_MIN];
} queue_week_t;

/* The week as the kernel takes it: servers[j] on duty during [end[j-1], end[j]) of each
 * period (end[-1] = 0, end[n-1] = period), in the run's time unit; adjacent minutes with
 * the same count are merged. */
typedef struct {
    int n;
    double end[QUEUE_WEEK_MIN];
    int32_t servers[QUEUE_WEEK_MIN];
    double period;               /* one week in time units                                */
    double mean_servers;         /* servers on duty averaged over the week                */
    int32_t max_servers;
} queue_sched_t;

/* Add one shift "DAYS HH:MM-HH:MM [xN]" to w: DAYS is a day (Mon .. Sun, or the full
 * English name), a range (Mon-Fri; Sat-Mon wraps), days joined by '+' (Mon+Wed+Fri) or
 * "daily"; an end at or before the start runs past midnight into the next day (22:00-06:00),
 * 24:00 is the end of the day; xN adds N servers (default 1).  Shifts that overlap add up.
 * `where` names the value in messages ("--schedule", "job.ini:4: key 'schedule'",
 * "shifts.csv: line 3"). */
regia_status_t queue_shift_add(queue_week_t *w, const char *text, const char *where);

/* Read a schedule CSV with the header days,start,end,servers (any column order, extra
 * columns ignored; ',' ';' or tab separated) into w: each row one shift as above
 * (start and end HH:MM, servers an integer >= 1).  Errors name the file, line and column. */
regia_status_t queue_sched_read_csv(const char *path, queue_week_t *w);

/* Merge w into segments; minutes_per_unit: 60 for hours, 1 for minutes, 1440 for days.
 * An error when no server is ever on duty (`what` names the schedule's source). */
regia_status_t queue_sched_build(const queue_week_t *w, double minutes_per_unit, queue_sched_t *s,
                                 const char *what);

/* Read an arrivals trace: a CSV with the columns time and class (case-insensitive, any
 * order, extra columns ignored).  time: a finite number >= 0 in the run's time unit; class:
 * one of the n_classes names (exact match after trimming blanks).  Rows are sorted by time
 * (rows with equal times keep their file order).  Arrays malloc'ed, *n >= 1; count[k]
 * arrivals of class k.  At most max_rows rows. */
regia_status_t queue_trace_read(const char *path, int n_classes, const char (*names)[QUEUE_NAME_LEN],
                                int64_t max_rows, double **time, int32_t **cls, int64_t *n, int64_t *count);

#endif
