/*  ketenctl_simulate - "ketenctl simulate": a living fictional region sent
    through the real intake over CURVE as the demo partners. The cases come
    from ketenctl_simgen (pure, deterministic with --seed); this module
    paces them in time, sends each step as the partner that would send it,
    reads the signallers' mailboxes for the RegieAssignment (plan_ref,
    gezin_ref, regisseur) the regisseur's steps need, acknowledges every
    Deliver, and counts what intake accepted and rejected. */
#ifndef KETENCTL_SIMULATE_H_INCLUDED
#define KETENCTL_SIMULATE_H_INCLUDED

#include "ketenctl_common.h"

int ketenctl_simulate (const ketenctl_t *ctx, int argc, char *argv[]);

#endif
