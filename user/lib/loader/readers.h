/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * readers.h - letting the `turnstile` group read what turnstile pins
 * (counters, flows, tables, the state record, the XDP links) without root:
 * when the group exists, the pin directory and links/ become root:turnstile
 * 0750 and every pin in them root:turnstile 0640, and the bpffs root gets
 * search permission (x, not r) for all (systemd mounts it 0700). Readers open the pins
 * read-only (common/pin.h); the kernel refuses them every write. Without
 * the group nothing changes (0700/0600, root only).
 */
#ifndef TS_READERS_H
#define TS_READERS_H

#define TS_READERS_GROUP "turnstile"

/* After an `up` pinned everything; warnings only, 0 or -errno. */
int ts_readers_share(const char *pin_dir);

#endif /* TS_READERS_H */
