#pragma once
/// Umbrella header: everything an application needs. Public headers only; no LibTorch, OpenCV or FFTW.
#include "ferguard/error.h"
#include "ferguard/types.h"
#include "ferguard/version.h"
#include "ferguard/labels.h"
#include "ferguard/data/dataset.h"
#include "ferguard/io/image_io.h"
#include "ferguard/frequency/band_splitter.h"
#include "ferguard/frequency/frequency_splitter.h"
#include "ferguard/frequency/haar.h"
#include "ferguard/learn/pipeline.h"
#include "ferguard/learn/report.h"
#include "ferguard/learn/train.h"
