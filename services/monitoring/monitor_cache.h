/*  monitor_cache - recently built report pages, so that a page view, its
    CSV/JSON exports and the next viewer of the same filter do not each
    rebuild the figures (the ketencoordinator's live page over a large
    region takes seconds). A report is kept for a fixed time and found by
    its page and its whole filter (period kind, period, gemeente, gebied),
    so a gemeente's report is only ever handed out for that same gemeente.
    The page shows when the figures were computed (generated_at). Used by
    one thread only (the dashboard's); no locking. */
#ifndef MONITOR_CACHE_H_INCLUDED
#define MONITOR_CACHE_H_INCLUDED

#include "monitor_report.h"

#include <stdint.h>

typedef struct _monitor_cache_t monitor_cache_t;

/* Keeps at most slots reports for ttl_ms each; ttl_ms 0 keeps nothing. */
monitor_cache_t *monitor_cache_new (int slots, int64_t ttl_ms);
void monitor_cache_destroy (monitor_cache_t **self_p);

/* The cached report for page and filter, still fresh at now_ms, or NULL.
   The cache keeps owning it; it stays valid until the next put. */
const monitor_report_t *monitor_cache_get (monitor_cache_t *self,
                                           monitor_page_t page,
                                           const monitor_report_filter_t *filter,
                                           int64_t now_ms);

/* Takes *report_p (set to NULL) and keeps it under its page and filter,
   replacing the same key or the oldest entry. Returns the kept report
   (owned by the cache), or NULL when ttl_ms is 0: *report_p is then left
   with the caller. */
const monitor_report_t *monitor_cache_put (monitor_cache_t *self,
                                           monitor_report_t **report_p,
                                           int64_t now_ms);

#endif
