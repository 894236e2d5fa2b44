// The libFuzzer entry points every target defines (and support/replay_main.cpp calls).
#pragma once

#include <cstddef>
#include <cstdint>

/// Runs one input; returns 0 (a failed oracle traps instead).
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
/// Optional one-time set-up before the first input (weak: only some targets define it).
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
