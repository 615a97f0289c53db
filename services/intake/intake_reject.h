/*  intake_reject - reject codes partners see. Where the iStandaarden
    (iWmo/iJw retourcodes, codelijst EB001/WJ001) have a code for the same
    rule it is used, so partner IT teams recognise it; ketenbus-specific
    rules use KBnn. The README lists them all. */
#ifndef INTAKE_REJECT_H_INCLUDED
#define INTAKE_REJECT_H_INCLUDED

#define INTAKE_RC_TECHNICAL "0001"       /* bericht is afgekeurd om technische redenen */
#define INTAKE_RC_DATE_FUTURE "8848"     /* datum ligt in de toekomst */
#define INTAKE_RC_DUPLICATE_ID "9056"    /* identificatie niet uniek voor de verzender */
#define INTAKE_RC_GEMEENTE "S300"        /* gemeentecode onbekend */
#define INTAKE_RC_BSN "KB10"             /* BSN: 9 digits, elfproef, not 000000000 */
#define INTAKE_RC_DATE "KB11"            /* not a calendar date YYYY-MM-DD */
#define INTAKE_RC_POSTCODE "KB12"        /* not a Dutch postcode */
#define INTAKE_RC_ENUM "KB13"            /* unknown or unspecified enum value */
#define INTAKE_RC_TEXT "KB14"            /* invalid UTF-8, control characters or length */
#define INTAKE_RC_REQUIRED "KB15"        /* required field missing */
#define INTAKE_RC_MESSAGE_ID "KB16"      /* message id (or another UUID id: transfer_id) is not a
                                            lower-case UUID */
#define INTAKE_RC_NOT_ALLOWED "KB17"     /* organisation type may not send this message */
#define INTAKE_RC_PARTNER "KB18"         /* partner unknown or revoked */
#define INTAKE_RC_DATE_OLD "KB19"        /* date implausibly far in the past */
#define INTAKE_RC_UNSUPPORTED "KB20"     /* message type not accepted by intake */
#define INTAKE_RC_LIMIT "KB21"           /* too many elements (household members, categories) */
#define INTAKE_RC_BACKBONE_FIELD "KB22"  /* a field the backbone fills (pseudonym, from_org of a
                                            transfer request, ...) was set by the partner to
                                            something else than empty or its own org id */
#define INTAKE_RC_ORG "KB23"             /* a named organisation (to_org, provider_org,
                                            involved_orgs) is malformed, unknown, revoked, the
                                            sender itself, or of a type that cannot take that
                                            role */
#define INTAKE_RC_FORMAT "KB24"          /* value out of range or in the wrong format (product
                                            category/code, volume, budget, plan version,
                                            date order) */

typedef struct {
    char code[8];
    char field[64];
    char rule[160];
} intake_reject_t;

#endif
