int berth_peercred_placeholder(void) { return 0; }
