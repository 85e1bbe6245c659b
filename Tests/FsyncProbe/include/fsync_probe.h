// The fsync probe has no API: it is loaded with LD_PRELOAD (see fsync_probe.c).
#pragma once
