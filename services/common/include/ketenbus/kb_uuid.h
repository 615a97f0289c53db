/*  kb_uuid - random (version 4) UUIDs for message ids and references. */
#ifndef KB_UUID_H_INCLUDED
#define KB_UUID_H_INCLUDED

#define KB_UUID_LEN 36

/* Writes a lower-case 8-4-4-4-12 UUID v4 and a terminating NUL into out. */
void kb_uuid_v4 (char out[KB_UUID_LEN + 1]);

#endif
