// SPDX-License-Identifier: GPL-2.0
/* The tracepoints of xtcp_trace.h, instantiated once. */
#define CREATE_TRACE_POINTS
#include "xtcp_trace.h"
