int berth_process_placeholder(void) { return 0; }
