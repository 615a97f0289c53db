/*  test_intake_mailbox - which partner's mailbox a backbone message goes
    to (pure part of intake_mailbox). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "intake_mailbox.h"

#include <string.h>

static void
test_recipient_of_each_partner_body (void **state)
{
    (void) state;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    Ketenbus__V1__MatchNotification match = KETENBUS__V1__MATCH_NOTIFICATION__INIT;
    match.to_org = "cjg-helmond";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_MATCH_NOTIFICATION;
    env.match_notification = &match;
    assert_string_equal (intake_mailbox_recipient (&env), "cjg-helmond");

    Ketenbus__V1__RegieAssignment regie = KETENBUS__V1__REGIE_ASSIGNMENT__INIT;
    regie.to_org = "wijkteam-deurne";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_ASSIGNMENT;
    env.regie_assignment = &regie;
    assert_string_equal (intake_mailbox_recipient (&env), "wijkteam-deurne");

    Ketenbus__V1__RegieTransferRequest req = KETENBUS__V1__REGIE_TRANSFER_REQUEST__INIT;
    req.from_org = "cjg-helmond";
    req.to_org = "veiligthuis-peel";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_REQUEST;
    env.regie_transfer_request = &req;
    assert_string_equal (intake_mailbox_recipient (&env), "veiligthuis-peel");
    /* the copy of a hogere regie proposal to the current regisseur */
    req.notify_org = "cjg-helmond";
    assert_string_equal (intake_mailbox_recipient (&env), "cjg-helmond");
    req.notify_org = "";
    assert_string_equal (intake_mailbox_recipient (&env), "veiligthuis-peel");

    /* the answer goes back to the organisation that asked */
    Ketenbus__V1__RegieTransferResponse resp = KETENBUS__V1__REGIE_TRANSFER_RESPONSE__INIT;
    resp.from_org = "cjg-helmond";
    resp.to_org = "veiligthuis-peel";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_RESPONSE;
    env.regie_transfer_response = &resp;
    assert_string_equal (intake_mailbox_recipient (&env), "cjg-helmond");

    /* a transfer that ended unanswered: to each of its two organisations */
    Ketenbus__V1__RegieTransferEnded ended = KETENBUS__V1__REGIE_TRANSFER_ENDED__INIT;
    ended.to_org = "cjg-helmond";
    ended.from_org = "cjg-helmond";
    ended.proposed_org = "veiligthuis-peel";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REGIE_TRANSFER_ENDED;
    env.regie_transfer_ended = &ended;
    assert_string_equal (intake_mailbox_recipient (&env), "cjg-helmond");
    ended.to_org = "veiligthuis-peel";
    assert_string_equal (intake_mailbox_recipient (&env), "veiligthuis-peel");

    /* a refusal after the Ack: back to the organisation that sent the message */
    Ketenbus__V1__Reject reject = KETENBUS__V1__REJECT__INIT;
    reject.to_org = "wijkteam-deurne";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_REJECT;
    env.reject = &reject;
    assert_string_equal (intake_mailbox_recipient (&env), "wijkteam-deurne");

    /* a toewijzing goes to its provider */
    Ketenbus__V1__CareAssignment care = KETENBUS__V1__CARE_ASSIGNMENT__INIT;
    care.provider_org = "zorg-de-peel";
    care.assigning_org = "gemeente-helmond";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_CARE_ASSIGNMENT;
    env.care_assignment = &care;
    assert_string_equal (intake_mailbox_recipient (&env), "zorg-de-peel");

    /* consent and shares: each names its recipient in to_org */
    Ketenbus__V1__ShareDecision decision = KETENBUS__V1__SHARE_DECISION__INIT;
    decision.to_org = "cjg-helmond";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHARE_DECISION;
    env.share_decision = &decision;
    assert_string_equal (intake_mailbox_recipient (&env), "cjg-helmond");
    Ketenbus__V1__ShareRequest share = KETENBUS__V1__SHARE_REQUEST__INIT;
    share.from_org = "cjg-helmond";
    share.to_org = "veiligthuis-peel";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHARE_REQUEST;
    env.share_request = &share;
    assert_string_equal (intake_mailbox_recipient (&env), "veiligthuis-peel");
    Ketenbus__V1__ShareResponse response = KETENBUS__V1__SHARE_RESPONSE__INIT;
    response.from_org = "veiligthuis-peel";
    response.to_org = "cjg-helmond";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_SHARE_RESPONSE;
    env.share_response = &response;
    assert_string_equal (intake_mailbox_recipient (&env), "cjg-helmond");
    Ketenbus__V1__ConsentWithdraw withdraw = KETENBUS__V1__CONSENT_WITHDRAW__INIT;
    withdraw.recorded_by_org = "cjg-helmond";
    withdraw.to_org = "veiligthuis-peel";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_CONSENT_WITHDRAW;
    env.consent_withdraw = &withdraw;
    assert_string_equal (intake_mailbox_recipient (&env), "veiligthuis-peel");
    Ketenbus__V1__ConsentRecorded recorded = KETENBUS__V1__CONSENT_RECORDED__INIT;
    recorded.to_org = "wijkteam-deurne";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_CONSENT_RECORDED;
    env.consent_recorded = &recorded;
    assert_string_equal (intake_mailbox_recipient (&env), "wijkteam-deurne");

    /* client-tracking's stale-case reminder goes to the regisseur in to_org */
    Ketenbus__V1__TrajectoryUpdate reminder = KETENBUS__V1__TRAJECTORY_UPDATE__INIT;
    reminder.regisseur_org = "ggd-vangnet-peel";
    reminder.to_org = "ggd-vangnet-peel";
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_TRAJECTORY_UPDATE;
    env.trajectory_update = &reminder;
    assert_string_equal (intake_mailbox_recipient (&env), "ggd-vangnet-peel");
    /* an update that is not a reminder names no mailbox */
    reminder.to_org = "";
    assert_string_equal (intake_mailbox_recipient (&env), "");
}

static void
test_backbone_internal_bodies_have_no_recipient (void **state)
{
    (void) state;
    kb_envelope_t env = KETENBUS__V1__ENVELOPE__INIT;
    Ketenbus__V1__StoredSignal stored = KETENBUS__V1__STORED_SIGNAL__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_STORED_SIGNAL;
    env.stored_signal = &stored;
    assert_null (intake_mailbox_recipient (&env));
    Ketenbus__V1__PartnerUpdate update = KETENBUS__V1__PARTNER_UPDATE__INIT;
    env.body_case = KETENBUS__V1__ENVELOPE__BODY_PARTNER_UPDATE;
    env.partner_update = &update;
    assert_null (intake_mailbox_recipient (&env));
    env.body_case = KETENBUS__V1__ENVELOPE__BODY__NOT_SET;
    assert_null (intake_mailbox_recipient (&env));
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_recipient_of_each_partner_body),
        cmocka_unit_test (test_backbone_internal_bodies_have_no_recipient),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
