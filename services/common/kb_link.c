/*  kb_link - pure parts of the link: back-off, ack bodies, the sender's
    per-row state machine, the receiver's ordering decision, the socket
    options both ends share and which endpoints they accept. The outbox
    and sender live in kb_outbox.c, the receiver in kb_inbox.c. */
#include "ketenbus/kb_link.h"
#include "kb_link_private.h"
#include "ketenbus/kb_log.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
kb_link_backoff_ms (int base_ms, int max_ms, int attempt)
{
    if (base_ms < 1)
        base_ms = 1;
    if (max_ms < base_ms)
        max_ms = base_ms;
    if (attempt < 1)
        attempt = 1;
    int64_t delay = base_ms;
    for (int i = 1; i < attempt && delay < max_ms; i++)
        delay *= 2;
    return delay > max_ms ? max_ms : (int)delay;
}

bool
kb_link_id_valid (const char *id)
{
    if (!id)
        return false;
    size_t len = strlen (id);
    if (len == 0 || len > KB_LINK_ID_MAX)
        return false;
    return strcspn (id, "\t\r\n") == len;
}

int
kb_link_ack_append (zchunk_t *body,
                    kb_link_ack_kind_t kind,
                    const char *message_id,
                    const char *reason)
{
    if (!body || !kb_link_id_valid (message_id) ||
        (kind != KB_LINK_ACK_APPLIED && kind != KB_LINK_ACK_DEAD))
        return -1;
    char line[KB_LINK_ID_MAX + KB_LINK_REASON_MAX + 8];
    size_t n = 0;
    line[n++] = (char)kind;
    line[n++] = '\t';
    size_t idlen = strlen (message_id);
    memcpy (line + n, message_id, idlen);
    n += idlen;
    if (kind == KB_LINK_ACK_DEAD) {
        line[n++] = '\t';
        const char *r = reason && *reason ? reason : "unknown";
        for (size_t i = 0; r[i] && i < KB_LINK_REASON_MAX; i++)
            line[n++] = (r[i] == '\t' || r[i] == '\n' || r[i] == '\r') ? ' ' : r[i];
    }
    line[n++] = '\n';
    return zchunk_extend (body, line, n) == 0 ? -1 : 0;
}

/* Copies [from, to) into out (size cap + 1); -1 when too long. */
static int
s_copy_field (const char *from, const char *to, char *out, size_t cap)
{
    size_t len = (size_t)(to - from);
    if (len > cap)
        return -1;
    memcpy (out, from, len);
    out[len] = '\0';
    return 0;
}

int
kb_link_ack_next (const char *data, size_t len, size_t *offset, kb_link_ack_entry_t *entry)
{
    if (!offset || !entry || (len > 0 && !data))
        return -1;
    if (*offset >= len)
        return 0;
    const char *p = data + *offset;
    const char *end = data + len;
    const char *nl = memchr (p, '\n', (size_t)(end - p));
    if (!nl || nl - p < 3 || p[1] != '\t')
        return -1;
    memset (entry, 0, sizeof *entry);
    const char *id = p + 2;
    const char *tab = memchr (id, '\t', (size_t)(nl - id));
    if (p[0] == KB_LINK_ACK_APPLIED) {
        if (tab)
            return -1;
        entry->kind = KB_LINK_ACK_APPLIED;
        if (s_copy_field (id, nl, entry->message_id, KB_LINK_ID_MAX))
            return -1;
    } else if (p[0] == KB_LINK_ACK_DEAD) {
        if (!tab)
            return -1;
        entry->kind = KB_LINK_ACK_DEAD;
        if (s_copy_field (id, tab, entry->message_id, KB_LINK_ID_MAX) ||
            s_copy_field (tab + 1, nl, entry->reason, KB_LINK_REASON_MAX) ||
            strchr (entry->reason, '\t'))
            return -1;
    } else
        return -1;
    if (!kb_link_id_valid (entry->message_id) || memchr (id, '\0', (size_t)(nl - id)))
        return -1;
    *offset = (size_t)(nl + 1 - data);
    return 1;
}

kb_link_action_t
kb_link_row_step (kb_link_row_t *row,
                  kb_link_event_t event,
                  int64_t now_ms,
                  int base_ms,
                  int max_ms)
{
    switch (row->state) {
        case KB_LINK_ROW_NEW:
        case KB_LINK_ROW_INFLIGHT:
            switch (event) {
                case KB_LINK_EV_TICK:
                    if (row->state == KB_LINK_ROW_INFLIGHT && now_ms < row->due_ms)
                        return KB_LINK_ACT_NONE;
                    row->state = KB_LINK_ROW_INFLIGHT;
                    row->attempts++;
                    row->due_ms = now_ms + kb_link_backoff_ms (base_ms, max_ms, row->attempts);
                    return KB_LINK_ACT_SEND;
                case KB_LINK_EV_ACK:
                    row->state = KB_LINK_ROW_ACKED;
                    return KB_LINK_ACT_MARK_ACKED;
                case KB_LINK_EV_DEAD:
                    row->state = KB_LINK_ROW_DEAD;
                    return KB_LINK_ACT_MARK_DEAD;
            }
            return KB_LINK_ACT_NONE;
        case KB_LINK_ROW_ACKED:
        case KB_LINK_ROW_DEAD:
            return KB_LINK_ACT_NONE; /* late or repeated answers change nothing */
    }
    return KB_LINK_ACT_NONE;
}

kb_link_in_decision_t
kb_link_in_decide (int64_t last_seq, int64_t seq, bool seen)
{
    if (seen || seq <= last_seq)
        return KB_LINK_IN_DUPLICATE;
    if (seq > last_seq + 1)
        return KB_LINK_IN_GAP;
    return KB_LINK_IN_APPLY;
}

bool
kb_link_poison_is_dead (int attempts, int max_attempts)
{
    return attempts >= (max_attempts < 1 ? 1 : max_attempts);
}

void
kb_link_socket_setup (zsock_t *sock, int heartbeat_ms, int hwm)
{
    zsock_set_linger (sock, 0); /* PostgreSQL holds the messages, not the socket */
    zsock_set_sndhwm (sock, hwm);
    zsock_set_rcvhwm (sock, hwm);
    zsock_set_sndtimeo (sock, 0); /* never block the loop at the high-water mark */
    zsock_set_reconnect_ivl (sock, 100);
    zsock_set_reconnect_ivl_max (sock, 2000);
    if (heartbeat_ms > 0) {
        zsock_set_heartbeat_ivl (sock, heartbeat_ms);
        zsock_set_heartbeat_ttl (sock, heartbeat_ms * 3);
        zsock_set_heartbeat_timeout (sock, heartbeat_ms * 3);
    }
}

/* Every directory above dir (resolved): one that anybody may write
   without the sticky bit (unlike /tmp) lets a stranger swap the socket's
   directory for one of their own after this check - refused; one that
   another user owns or its group may write is only warned about. */
static bool
s_ancestors_safe (const char *dir, char *err, size_t err_len)
{
    char path[PATH_MAX];
    snprintf (path, sizeof path, "%s", dir);
    for (char *slash = strrchr (path, '/'); slash; slash = strrchr (path, '/')) {
        if (slash == path)
            slash[1] = '\0'; /* "/" itself */
        else
            *slash = '\0';
        struct stat st;
        if (stat (path, &st) != 0) {
            snprintf (err, err_len, "directory \"%s\" above it cannot be read", path);
            return false;
        }
        bool sticky = (st.st_mode & S_ISVTX) != 0;
        if ((st.st_mode & 002) && !sticky) {
            snprintf (err, err_len, "directory \"%s\" above it may be changed by anybody", path);
            return false;
        }
        if (((st.st_mode & 020) && !sticky) || (st.st_uid != 0 && st.st_uid != geteuid ()))
            kb_warning ("link socket directory \"%s\": \"%s\" above it may be changed by"
                        " another user or group", dir, path);
        if (slash == path)
            break;
    }
    return true;
}

bool
kb_link_endpoint_safe (const char *endpoint, char *err, size_t err_len)
{
    if (!endpoint || !*endpoint) {
        snprintf (err, err_len, "no link endpoint");
        return false;
    }
    if (strncmp (endpoint, "inproc://", 9) == 0)
        return true;
    if (strncmp (endpoint, "ipc://", 6) != 0) {
        snprintf (err, err_len,
                  "link endpoint \"%s\" refused: the links have no CURVE; use ipc:// in a"
                  " directory only this user can enter (/run/ketenbus)",
                  endpoint);
        return false;
    }
    const char *path = endpoint + 6;
    if (*path == '@') {
        snprintf (err, err_len,
                  "link endpoint \"%s\" refused: an abstract socket has no file permissions",
                  endpoint);
        return false;
    }
    if (*path != '/') {
        snprintf (
          err, err_len, "link endpoint \"%s\" refused: the path must be absolute", endpoint);
        return false;
    }
    char dir[PATH_MAX], real[PATH_MAX], why[PATH_MAX + 64];
    const char *slash = strrchr (path, '/');
    if (slash[1] == '\0') {
        snprintf (err, err_len, "link endpoint \"%s\" refused: no socket name", endpoint);
        return false;
    }
    snprintf (dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    struct stat st;
    if (!realpath (dir, real) || stat (real, &st) != 0 || !S_ISDIR (st.st_mode)) {
        snprintf (err, err_len, "link endpoint \"%s\" refused: no directory \"%s\"", endpoint, dir);
        return false;
    }
    if (st.st_uid != geteuid () || (st.st_mode & 077) != 0) {
        snprintf (err, err_len,
                  "link endpoint \"%s\" refused: directory \"%s\" must belong to this user"
                  " and have mode 0700 (it has %04o)",
                  endpoint, dir, (unsigned)(st.st_mode & 07777));
        return false;
    }
    /* both as written (zmq opens that path again on every reconnect, so a
       symlink on the way must sit where nobody can swap it) and resolved */
    if (!s_ancestors_safe (dir, why, sizeof why) || !s_ancestors_safe (real, why, sizeof why)) {
        snprintf (err, err_len, "link endpoint \"%s\" refused: %s", endpoint, why);
        return false;
    }
    return true;
}
