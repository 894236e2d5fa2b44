// Packet pools of the host shim: fixed-size packets carved out of the caller's memory, a free
// list, and waiting for a release from another thread, as NetX does it.
#include <pthread.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <ctime>

#include "nx_api.h"
#include "ticks.hpp"

namespace {

constexpr std::size_t round_up(std::size_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

/// Each packet: its header, then its payload, aligned for the next header.
std::size_t packet_stride(ULONG payload_size) {
  return round_up(sizeof(NX_PACKET) + payload_size, alignof(NX_PACKET));
}

bool is_pool(const NX_PACKET_POOL* pool) {
  return pool && pool->nx_packet_pool_id == NX_PACKET_POOL_ID;
}

/// Absolute CLOCK_MONOTONIC time `ticks` from now, for pthread_cond_timedwait.
timespec monotonic_after(ULONG ticks) {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  const auto ms = pop3::netx::ticks_to_duration(ticks).count();
  t.tv_sec += ms / 1000;
  t.tv_nsec += (ms % 1000) * 1'000'000;
  if (t.tv_nsec >= 1'000'000'000) {
    t.tv_sec += 1;
    t.tv_nsec -= 1'000'000'000;
  }
  return t;
}

}  // namespace

extern "C" {

UINT nx_packet_pool_create(NX_PACKET_POOL* pool_ptr, CHAR* name, ULONG payload_size,
                           VOID* memory_ptr, ULONG memory_size) {
  if (!pool_ptr || !memory_ptr) return NX_PTR_ERROR;
  if (is_pool(pool_ptr)) return NX_POOL_ERROR;
  // The first packet header must be aligned; skip the bytes before the first aligned address.
  auto* start = static_cast<char*>(memory_ptr);
  const auto misalignment = reinterpret_cast<std::uintptr_t>(start) % alignof(NX_PACKET);
  const std::size_t skip = misalignment ? alignof(NX_PACKET) - misalignment : 0;
  const std::size_t stride = packet_stride(payload_size);
  const std::size_t count = memory_size > skip ? (memory_size - skip) / stride : 0;
  if (payload_size == 0 || count == 0) return NX_SIZE_ERROR;

  std::memset(pool_ptr, 0, sizeof *pool_ptr);
  pool_ptr->nx_packet_pool_name = name;
  pool_ptr->nx_packet_pool_start = start;
  pool_ptr->nx_packet_pool_size = memory_size;
  pool_ptr->nx_packet_pool_payload_size = payload_size;
  pool_ptr->nx_packet_pool_total = static_cast<ULONG>(count);
  pool_ptr->nx_packet_pool_available = static_cast<ULONG>(count);
  NX_PACKET* next = nullptr;
  for (std::size_t i = count; i-- > 0;) {
    auto* packet = reinterpret_cast<NX_PACKET*>(start + skip + i * stride);
    std::memset(packet, 0, sizeof *packet);
    packet->nx_packet_pool_owner = pool_ptr;
    packet->nx_packet_data_start = reinterpret_cast<UCHAR*>(packet + 1);
    packet->nx_packet_data_end = packet->nx_packet_data_start + payload_size;
    packet->nx_packet_queue_next = next;
    next = packet;
  }
  pool_ptr->nx_packet_pool_available_list = next;
  pthread_mutex_init(&pool_ptr->nx_packet_pool_mutex, nullptr);
  pthread_condattr_t attributes;
  pthread_condattr_init(&attributes);
  pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
  pthread_cond_init(&pool_ptr->nx_packet_pool_released, &attributes);
  pthread_condattr_destroy(&attributes);
  pool_ptr->nx_packet_pool_id = NX_PACKET_POOL_ID;
  return NX_SUCCESS;
}

UINT nx_packet_pool_delete(NX_PACKET_POOL* pool_ptr) {
  if (!is_pool(pool_ptr)) return NX_PTR_ERROR;
  pool_ptr->nx_packet_pool_id = 0;
  pthread_cond_destroy(&pool_ptr->nx_packet_pool_released);
  pthread_mutex_destroy(&pool_ptr->nx_packet_pool_mutex);
  return NX_SUCCESS;
}

UINT nx_packet_allocate(NX_PACKET_POOL* pool_ptr, NX_PACKET** packet_ptr, ULONG packet_type,
                        ULONG wait_option) {
  if (!is_pool(pool_ptr) || !packet_ptr) return NX_PTR_ERROR;
  if (packet_type > pool_ptr->nx_packet_pool_payload_size) return NX_INVALID_PARAMETERS;
  *packet_ptr = nullptr;
  pthread_mutex_lock(&pool_ptr->nx_packet_pool_mutex);
  if (!pool_ptr->nx_packet_pool_available_list && wait_option != NX_NO_WAIT) {
    const timespec until = monotonic_after(wait_option);
    while (!pool_ptr->nx_packet_pool_available_list) {
      const int r = pop3::netx::is_forever(wait_option)
                        ? pthread_cond_wait(&pool_ptr->nx_packet_pool_released,
                                            &pool_ptr->nx_packet_pool_mutex)
                        : pthread_cond_timedwait(&pool_ptr->nx_packet_pool_released,
                                                 &pool_ptr->nx_packet_pool_mutex, &until);
      if (r == ETIMEDOUT) break;
    }
  }
  NX_PACKET* packet = pool_ptr->nx_packet_pool_available_list;
  if (!packet) {
    ++pool_ptr->nx_packet_pool_empty_requests;
    pthread_mutex_unlock(&pool_ptr->nx_packet_pool_mutex);
    return NX_NO_PACKET;
  }
  pool_ptr->nx_packet_pool_available_list = packet->nx_packet_queue_next;
  --pool_ptr->nx_packet_pool_available;
  pthread_mutex_unlock(&pool_ptr->nx_packet_pool_mutex);

  packet->nx_packet_queue_next = nullptr;
  packet->nx_packet_next = nullptr;
  packet->nx_packet_last = nullptr;
  packet->nx_packet_prepend_ptr = packet->nx_packet_data_start + packet_type;
  packet->nx_packet_append_ptr = packet->nx_packet_prepend_ptr;
  packet->nx_packet_length = 0;
  packet->nx_packet_ip_version = 0;
  packet->nx_packet_allocated = NX_TRUE;
  *packet_ptr = packet;
  return NX_SUCCESS;
}

UINT nx_packet_release(NX_PACKET* packet_ptr) {
  if (!packet_ptr || !is_pool(packet_ptr->nx_packet_pool_owner)) return NX_PTR_ERROR;
  NX_PACKET_POOL* pool = packet_ptr->nx_packet_pool_owner;
  pthread_mutex_lock(&pool->nx_packet_pool_mutex);
  if (packet_ptr->nx_packet_allocated != NX_TRUE) {
    ++pool->nx_packet_pool_invalid_releases;
    pthread_mutex_unlock(&pool->nx_packet_pool_mutex);
    return NX_PTR_ERROR;
  }
  packet_ptr->nx_packet_allocated = NX_FALSE;
  packet_ptr->nx_packet_queue_next = pool->nx_packet_pool_available_list;
  pool->nx_packet_pool_available_list = packet_ptr;
  ++pool->nx_packet_pool_available;
  pthread_cond_signal(&pool->nx_packet_pool_released);
  pthread_mutex_unlock(&pool->nx_packet_pool_mutex);
  return NX_SUCCESS;
}

UINT nx_packet_data_retrieve(NX_PACKET* packet_ptr, VOID* buffer_start, ULONG* bytes_copied) {
  if (!packet_ptr || !buffer_start || !bytes_copied) return NX_PTR_ERROR;
  if (packet_ptr->nx_packet_length)
    std::memcpy(buffer_start, packet_ptr->nx_packet_prepend_ptr, packet_ptr->nx_packet_length);
  *bytes_copied = packet_ptr->nx_packet_length;
  return NX_SUCCESS;
}

UINT nx_packet_length_get(NX_PACKET* packet_ptr, ULONG* length) {
  if (!packet_ptr || !length) return NX_PTR_ERROR;
  *length = packet_ptr->nx_packet_length;
  return NX_SUCCESS;
}

}  // extern "C"
