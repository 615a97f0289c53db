/*  zorg_config - the zorgtoewijzing daemon's configuration keys. */
#ifndef ZORG_CONFIG_H_INCLUDED
#define ZORG_CONFIG_H_INCLUDED

#include "ketenbus/kb_config.h"

extern const kb_config_key_t zorg_config_keys[];

#endif
