#ifndef BERTH_PEERCRED_H
#define BERTH_PEERCRED_H
// SO_PEERCRED helper (owned by BerthControlServer).
int berth_peercred_placeholder(void);
#endif
