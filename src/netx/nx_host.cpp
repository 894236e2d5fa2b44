// The IP instance of the host shim: a handle; the host's own TCP/IP stack does the work.
#include <cstring>

#include "nx_api.h"

extern "C" {

UINT nx_ip_create(NX_IP* ip_ptr, CHAR* name, ULONG ip_address, ULONG network_mask,
                  NX_PACKET_POOL* default_pool, VOID (*ip_link_driver)(NX_IP_DRIVER*),
                  VOID* memory_ptr, ULONG memory_size, UINT priority) {
  (void)ip_link_driver;  // never called: there is no link layer to drive on the host
  (void)memory_ptr;
  (void)memory_size;
  (void)priority;
  if (!ip_ptr || !default_pool) return NX_PTR_ERROR;
  std::memset(ip_ptr, 0, sizeof *ip_ptr);
  ip_ptr->nx_ip_id = NX_IP_ID;
  ip_ptr->nx_ip_name = name;
  ip_ptr->nx_ip_address = ip_address;
  ip_ptr->nx_ip_network_mask = network_mask;
  ip_ptr->nx_ip_default_packet_pool = default_pool;
  return NX_SUCCESS;
}

UINT nx_ip_delete(NX_IP* ip_ptr) {
  if (!ip_ptr || ip_ptr->nx_ip_id != NX_IP_ID) return NX_PTR_ERROR;
  std::memset(ip_ptr, 0, sizeof *ip_ptr);
  return NX_SUCCESS;
}

UINT nx_tcp_enable(NX_IP* ip_ptr) {
  if (!ip_ptr || ip_ptr->nx_ip_id != NX_IP_ID) return NX_PTR_ERROR;
  if (ip_ptr->nx_ip_tcp_enabled) return NX_ALREADY_ENABLED;
  ip_ptr->nx_ip_tcp_enabled = NX_TRUE;
  return NX_SUCCESS;
}

}  // extern "C"
