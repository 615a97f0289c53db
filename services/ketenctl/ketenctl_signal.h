/*  ketenctl_signal - a partner's side of intake: "ketenctl send-signal"
    (one CaseSignal) and "ketenctl import" (a CSV file, pipelined, with
    retransmits under the same message id, a progress bar and a rejects
    file that names line, code, field and rule but never row content). */
#ifndef KETENCTL_SIGNAL_H_INCLUDED
#define KETENCTL_SIGNAL_H_INCLUDED

#include "ketenctl_common.h"

int ketenctl_signal_send (const ketenctl_t *ctx, int argc, char *argv[]);
int ketenctl_signal_import (const ketenctl_t *ctx, int argc, char *argv[]);

/* Sends env to intake as one message (message_id, or a new one when NULL;
   env's header is filled in here), waits up to timeout_ms for its Ack or
   Reject and prints it ("accepted reference=... message_id=..." or
   "rejected code=... field=... rule=..."). Returns KETENCTL_OK (accepted
   or duplicate), KETENCTL_FAILED (rejected) or KETENCTL_UNREACHABLE. */
int ketenctl_signal_exchange (kb_client_t *client, kb_envelope_t *env, const char *message_id,
                              long timeout_ms);

/*  Pure parts, exposed for tests */

/* The fields of one case signal as text, from the command line or a CSV
   row (all borrowed; NULL or "" means not given). Enum values are the
   lower-case suffixes of the proto names. */
typedef struct
{
    const char *case_ref, *bsn, *birth_date, *categories, *urgency, *gemeente_code, *postcode,
      *gebied, *housing, *signal_date, *contact_name, *contact_phone;
    const char *household; /* "bsn:birth_date:role" entries separated by ';' */
    char category_sep;     /* ',' on the command line, '|' in CSV files */
} ketenctl_signal_text_t;

/* Builds a CaseSignal (caller frees with ketenctl_signal_free). Only the
   form is checked here (enum names, member syntax); intake validates the
   content. On failure returns NULL with a reason in why that never quotes
   a BSN or a date. */
Ketenbus__V1__CaseSignal *ketenctl_signal_build (const ketenctl_signal_text_t *text,
                                                 char *why,
                                                 size_t whylen);
void ketenctl_signal_free (Ketenbus__V1__CaseSignal **signal_p);

/* Splits one CSV line (RFC 4180 quoting within the line) in place into at
   most max fields. Returns the number of fields, or -1 when a quote is not
   closed or a field continues after its closing quote. */
int ketenctl_csv_split (char *line, char **fields, int max);

/* Deterministic message id for an import row without one: UUID v4 form
   of a BLAKE2b hash over the row keyed with key (the partner's secret
   key, ketenctl_partner_key), so the same row of the same partner gets
   the same id every time, and whoever sees the id without the key cannot
   test guesses of the row (its BSN) against it. */
void ketenctl_signal_row_id (const uint8_t key[KETENCTL_PARTNER_KEY_BYTES],
                             const char *row,
                             size_t len,
                             char out[37]);

#endif
