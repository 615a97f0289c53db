/*  intake_config - the intake daemon's configuration keys. */
#ifndef INTAKE_CONFIG_H_INCLUDED
#define INTAKE_CONFIG_H_INCLUDED

#include "ketenbus/kb_config.h"

extern const kb_config_key_t intake_config_keys[];

#endif
