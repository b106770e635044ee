#pragma once
// The data pipeline: image-folder index, codecs, transforms and the threaded batch loader.
#include "vitcuda/data/heatmap.h"
#include "vitcuda/data/image.h"
#include "vitcuda/data/image_folder.h"
#include "vitcuda/data/loader.h"
#include "vitcuda/data/transforms.h"
