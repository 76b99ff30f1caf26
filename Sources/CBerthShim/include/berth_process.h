#ifndef BERTH_PROCESS_H
#define BERTH_PROCESS_H
// Process spawning, reaping and wait-status helpers (owned by BerthProcess).
int berth_process_placeholder(void);
#endif
