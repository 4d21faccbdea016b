#include "EmberStandardStreams.h"

#include <stdio.h>

void ember_line_buffer_stdout(void) { setvbuf(stdout, NULL, _IOLBF, 0); }
