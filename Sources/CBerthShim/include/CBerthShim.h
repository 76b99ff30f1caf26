#ifndef CBERTH_SHIM_H
#define CBERTH_SHIM_H
// Umbrella header: one header per concern.
#include "berth_process.h"
#include "berth_peercred.h"
#include "berth_passcred.h"
#endif
