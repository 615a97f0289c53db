/*  fuzz_envelope - libFuzzer harness for the partner door

    Every input is one frame as a partner could send it: decoded with the
    intake limit, and a decoded CaseSignal goes through the envelope and
    field validation exactly as intake does before anything is stored.
    Sanitizers (address, undefined) turn any misbehaviour into a crash.
*/

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "intake_validate.h"
#include "ketenbus/kb_codec.h"
#include "ketenbus/kb_validate.h"

#define FUZZ_MAX_FRAME 65536

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    static const char *const region [] = { "0794", "0753", "1652" };
    kb_envelope_t *env = NULL;
    kb_codec_rc_t rc = kb_codec_decode (data, size, FUZZ_MAX_FRAME, &env);
    (void) kb_codec_rc_text (rc);
    if (rc != KB_CODEC_OK)
        return 0;

    (void) kb_codec_unknown_fields (env);
    (void) kb_codec_body_name (env);
    if (env->body_case == KETENBUS__V1__ENVELOPE__BODY_CASE_SIGNAL) {
        intake_validate_ctx_t ctx = {
            .today_days = kb_days_from_civil (2024, 6, 15),
            .gemeenten = region,
            .ngemeenten = (int) (sizeof region / sizeof region [0]),
        };
        intake_reject_t reject;
        memset (&reject, 0, sizeof reject);
        //  Every organisation type, as the sender is only known at runtime
        (void) intake_validate_envelope (env, KETENBUS__V1__ORG_TYPE__ORG_TYPE_GEMEENTE, &reject);
        if (intake_validate_envelope (env, KETENBUS__V1__ORG_TYPE__ORG_TYPE_CJG, &reject))
            (void) intake_validate_case_signal (env->case_signal, &ctx, &reject);
        //  A reject always names a code and a field, NUL-terminated
        if (memchr (reject.code, 0, sizeof reject.code) == NULL
            || memchr (reject.field, 0, sizeof reject.field) == NULL
            || memchr (reject.rule, 0, sizeof reject.rule) == NULL)
            __builtin_trap ();
    }
    kb_codec_free (&env);
    return 0;
}
