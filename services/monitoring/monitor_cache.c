/*  monitor_cache - recently built report pages. */
#include "monitor_cache.h"

#include <stdlib.h>
#include <string.h>

typedef struct
{
    monitor_report_t *report; /* NULL: empty slot */
    int64_t built_ms;
} s_slot_t;

struct _monitor_cache_t
{
    int n;
    int64_t ttl_ms;
    s_slot_t *slots;
};

monitor_cache_t *
monitor_cache_new (int slots, int64_t ttl_ms)
{
    if (slots < 1)
        slots = 1;
    monitor_cache_t *self = calloc (1, sizeof *self);
    if (!self)
        return NULL;
    self->slots = calloc ((size_t)slots, sizeof *self->slots);
    if (!self->slots) {
        free (self);
        return NULL;
    }
    self->n = slots;
    self->ttl_ms = ttl_ms > 0 ? ttl_ms : 0;
    return self;
}

void
monitor_cache_destroy (monitor_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    monitor_cache_t *self = *self_p;
    for (int i = 0; i < self->n; i++)
        monitor_report_destroy (&self->slots[i].report);
    free (self->slots);
    free (self);
    *self_p = NULL;
}

static bool
s_same (const monitor_report_t *r, monitor_page_t page, const monitor_report_filter_t *f)
{
    return r->page == page && r->filter.kind == f->kind &&
           strcmp (r->filter.period, f->period) == 0 &&
           strcmp (r->filter.gemeente, f->gemeente) == 0 &&
           strcmp (r->filter.gebied, f->gebied) == 0;
}

const monitor_report_t *
monitor_cache_get (monitor_cache_t *self,
                   monitor_page_t page,
                   const monitor_report_filter_t *filter,
                   int64_t now_ms)
{
    for (int i = 0; self && i < self->n; i++) {
        s_slot_t *s = &self->slots[i];
        if (!s->report)
            continue;
        if (now_ms - s->built_ms >= self->ttl_ms || now_ms < s->built_ms) {
            monitor_report_destroy (&s->report); /* stale: never handed out again */
            continue;
        }
        if (s_same (s->report, page, filter))
            return s->report;
    }
    return NULL;
}

const monitor_report_t *
monitor_cache_put (monitor_cache_t *self, monitor_report_t **report_p, int64_t now_ms)
{
    if (!self || self->ttl_ms == 0 || !report_p || !*report_p)
        return NULL;
    monitor_report_t *r = *report_p;
    int slot = 0;
    for (int i = 0; i < self->n; i++) {
        s_slot_t *s = &self->slots[i];
        if (s->report && s_same (s->report, r->page, &r->filter)) {
            slot = i;
            break;
        }
        if (!s->report || (self->slots[slot].report && s->built_ms < self->slots[slot].built_ms))
            slot = i;
    }
    monitor_report_destroy (&self->slots[slot].report);
    self->slots[slot].report = r;
    self->slots[slot].built_ms = now_ms;
    *report_p = NULL;
    return r;
}
