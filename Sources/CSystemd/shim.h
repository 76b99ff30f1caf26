// libsystemd's journal and notify API, for Swift. Variadic functions are not importable: Berth uses
// sd_journal_sendv (iovecs) and the reading API, which are not variadic.
#include <systemd/sd-journal.h>
#include <systemd/sd-daemon.h>
#include <sys/uio.h>
