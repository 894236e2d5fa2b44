/**
 * \file
 * nx_api.h — the host subset of the NetX Duo API that the POP3 client needs.
 *
 * This is NOT NetX: it lets a NetX POP3 Client application build and run on Linux against
 * pop3::netx. Packets come from a pool carved out of the caller's memory, as in NetX; the
 * TCP/IP traffic goes through the host's own stack (the "IP instance" is a handle, and its
 * link driver is never called). Names, prototypes, status values and the fields of NX_PACKET
 * that applications read follow NetX Duo. Installed in an include directory of its own
 * (include/pop3-netx), so it never shadows a real nx_api.h.
 *
 * Thread safety: a packet pool may be used from several threads (allocate waits for a
 * release from another thread); everything else is for one thread at a time.
 */
#ifndef NX_API_H
#define NX_API_H

#include <pthread.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Basic types (as in ThreadX's tx_port.h) -------------------------------------------- */
/** \name Basic types
 *  ThreadX's basic types, as in its tx_port.h (defined here unless VOID already is). */
/** @{ */
#ifndef VOID
#define VOID void /**< ThreadX's basic types (tx_port.h) */
typedef char CHAR;
typedef unsigned char UCHAR;
typedef int INT;
typedef unsigned int UINT;
typedef long LONG;
typedef unsigned long ULONG;
typedef short SHORT;
typedef unsigned short USHORT;
#endif
/** @} */

/* ---- Constants ------------------------------------------------------------------------- */
#define NX_TRUE 1                    /**< true, as NetX's flags and booleans spell it */
#define NX_FALSE 0                   /**< false */
#define NX_NULL 0                    /**< a null pointer */
#define NX_NO_WAIT 0UL               /**< wait option: do not wait */
#define NX_WAIT_FOREVER 0xFFFFFFFFUL /**< wait option: wait without a time limit */

/** Timer ticks per second: every timeout of the API is in ticks. */
#ifndef NX_IP_PERIODIC_RATE
#define NX_IP_PERIODIC_RATE 100
#endif

/** IPv4 address from its four octets, in host byte order. */
#define IP_ADDRESS(a, b, c, d) \
  ((((ULONG)(a)) << 24) | (((ULONG)(b)) << 16) | (((ULONG)(c)) << 8) | ((ULONG)(d)))

#define NX_IP_VERSION_V4 0x4 /**< NXD_ADDRESS::nxd_ip_version of an IPv4 address */
#define NX_IP_VERSION_V6 0x6 /**< NXD_ADDRESS::nxd_ip_version of an IPv6 address */

/* Bytes reserved in front of the data of a packet allocated for sending TCP: physical header
   (16) + IP header + TCP header (20), as in NetX Duo. */
#define NX_PHYSICAL_HEADER 16                    /**< room for the link header */
#define NX_IPv4_PACKET (NX_PHYSICAL_HEADER + 20) /**< room for link and IPv4 headers */
#define NX_IPv6_PACKET (NX_PHYSICAL_HEADER + 40) /**< room for link and IPv6 headers */
#define NX_IPv4_TCP_PACKET (NX_IPv4_PACKET + 20) /**< room for link, IPv4 and TCP headers */
#define NX_IPv6_TCP_PACKET (NX_IPv6_PACKET + 20) /**< room for link, IPv6 and TCP headers */
#define NX_TCP_PACKET NX_IPv4_TCP_PACKET         /**< NX_IPv4_TCP_PACKET */
#define NX_RECEIVE_PACKET 0                      /**< no room reserved (received data) */

/* Control block identifiers. */
#define NX_IP_ID 0x49502020UL          /**< NX_IP::nx_ip_id of a created IP instance */
#define NX_PACKET_POOL_ID 0x5041434BUL /**< NX_PACKET_POOL::nx_packet_pool_id of a created pool */

/* ---- Status values (NetX Duo's) -------------------------------------------------------- */
/* Those this host subset never returns are defined for applications that test for them. */
#define NX_SUCCESS 0x00            /**< the service succeeded */
#define NX_NO_PACKET 0x01          /**< no packet (or no reply) within the wait option */
#define NX_UNDERFLOW 0x02          /**< NetX Duo's; not returned here */
#define NX_OVERFLOW 0x03           /**< NetX Duo's; not returned here */
#define NX_POOL_ERROR 0x06         /**< the packet pool is already created */
#define NX_PTR_ERROR 0x07          /**< a NULL or otherwise invalid pointer */
#define NX_WAIT_ERROR 0x08         /**< NetX Duo's; not returned here */
#define NX_SIZE_ERROR 0x09         /**< a size too small (packet pool) */
#define NX_OPTION_ERROR 0x0A       /**< NetX Duo's; not returned here */
#define NX_DELETE_ERROR 0x10       /**< NetX Duo's; not returned here */
#define NX_CALLER_ERROR 0x11       /**< NetX Duo's; not returned here */
#define NX_INVALID_PACKET 0x12     /**< NetX Duo's; not returned here */
#define NX_INVALID_SOCKET 0x13     /**< NetX Duo's; not returned here */
#define NX_NOT_ENABLED 0x14        /**< TCP is not enabled (nx_tcp_enable) */
#define NX_ALREADY_ENABLED 0x15    /**< TCP is already enabled */
#define NX_IP_ADDRESS_ERROR 0x21   /**< NetX Duo's; not returned here */
#define NX_PORT_UNAVAILABLE 0x23   /**< NetX Duo's; not returned here */
#define NX_NOT_BOUND 0x24          /**< NetX Duo's; not returned here */
#define NX_ALREADY_RELEASED 0x31   /**< NetX Duo's; not returned here */
#define NX_NOT_CLOSED 0x35         /**< NetX Duo's; not returned here */
#define NX_IN_PROGRESS 0x37        /**< NetX Duo's; not returned here */
#define NX_NOT_CONNECTED 0x38      /**< no connection (refused, lost, timed out, or quit) */
#define NX_NO_FREE_PORTS 0x45      /**< NetX Duo's; not returned here */
#define NX_NOT_IMPLEMENTED 0x4A    /**< NetX Duo's; not returned here */
#define NX_NOT_SUPPORTED 0x4B      /**< NetX Duo's; not returned here */
#define NX_INVALID_PARAMETERS 0x4D /**< an invalid parameter (packet type above the payload) */

/* ---- Addresses ------------------------------------------------------------------------- */
/** An IPv4 or IPv6 address, in host byte order (v6: four 32-bit words, most significant
    first), as in NetX Duo. */
typedef struct NXD_ADDRESS_STRUCT {
  ULONG nxd_ip_version; /**< NX_IP_VERSION_V4 or NX_IP_VERSION_V6 */
  /** The address: v4, or v6 for an IPv6 address. */
  union {
    ULONG v4;    /**< the IPv4 address */
    ULONG v6[4]; /**< the IPv6 address, most significant word first */
  } nxd_ip_address;
} NXD_ADDRESS;

/* ---- Packets --------------------------------------------------------------------------- */
struct NX_PACKET_POOL_STRUCT;

/** A packet: its data are the nx_packet_length bytes from nx_packet_prepend_ptr to
    nx_packet_append_ptr. Packets here are never chained (nx_packet_next is NULL). */
typedef struct NX_PACKET_STRUCT {
  struct NX_PACKET_POOL_STRUCT* nx_packet_pool_owner; /**< the pool it belongs to */
  struct NX_PACKET_STRUCT* nx_packet_next;            /**< always NULL (no chaining) */
  UCHAR* nx_packet_prepend_ptr;                       /**< the first byte of the data */
  UCHAR* nx_packet_append_ptr;                        /**< one past the last byte of the data */
  UCHAR* nx_packet_data_start;                        /**< the start of the payload area */
  UCHAR* nx_packet_data_end;                          /**< one past the payload area */
  struct NX_PACKET_STRUCT* nx_packet_last;            /**< always NULL (no chaining) */
  struct NX_PACKET_STRUCT* nx_packet_queue_next;      /**< the pool's free list */
  ULONG nx_packet_length;                             /**< the number of data bytes */
  ULONG nx_packet_ip_version; /**< the POP3 client's packets: NX_IP_VERSION_V4/_V6 */
  ULONG nx_packet_allocated;  /**< host: NX_TRUE while the application holds the packet */
} NX_PACKET;

/** A pool of equal packets carved out of the caller's memory by nx_packet_pool_create. */
typedef struct NX_PACKET_POOL_STRUCT {
  ULONG nx_packet_pool_id;                  /**< NX_PACKET_POOL_ID while created */
  const CHAR* nx_packet_pool_name;          /**< the name given to nx_packet_pool_create */
  ULONG nx_packet_pool_available;           /**< packets free now */
  ULONG nx_packet_pool_total;               /**< packets in the pool */
  ULONG nx_packet_pool_empty_requests;      /**< allocations that found no free packet */
  ULONG nx_packet_pool_invalid_releases;    /**< releases of invalid or released packets */
  NX_PACKET* nx_packet_pool_available_list; /**< the free list */
  CHAR* nx_packet_pool_start;               /**< the caller's memory */
  ULONG nx_packet_pool_size;                /**< its size in bytes */
  ULONG nx_packet_pool_payload_size;        /**< each packet's payload size */
  pthread_mutex_t nx_packet_pool_mutex;     /**< host: guards the pool */
  pthread_cond_t nx_packet_pool_released;   /**< host: signalled when a packet is released */
} NX_PACKET_POOL;

/** Carves as many packets as fit into memory_ptr[0, memory_size): each takes
    sizeof(NX_PACKET) plus payload_size bytes (rounded up to a multiple of sizeof(ULONG)).
    Returns NX_SUCCESS; NX_PTR_ERROR for NULL pointers; NX_SIZE_ERROR if not even one packet
    fits or payload_size is 0; NX_POOL_ERROR if the pool is already created. Allocates
    nothing: the pool lives in pool_ptr and memory_ptr, which must outlive it. */
UINT nx_packet_pool_create(NX_PACKET_POOL* pool_ptr, CHAR* name, ULONG payload_size,
                           VOID* memory_ptr, ULONG memory_size);
/** Deletes a pool. NX_SUCCESS; NX_PTR_ERROR if pool_ptr is NULL or not a created pool. */
UINT nx_packet_pool_delete(NX_PACKET_POOL* pool_ptr);
/** Takes a free packet, waiting up to wait_option ticks (NX_WAIT_FOREVER, NX_NO_WAIT) for
    one to be released. packet_type bytes are reserved in front of the data
    (NX_IPv4_TCP_PACKET, ..., NX_RECEIVE_PACKET = 0). NX_SUCCESS (*packet_ptr is the
    packet); NX_NO_PACKET when none came in time; NX_PTR_ERROR for bad pointers;
    NX_INVALID_PARAMETERS if packet_type exceeds the payload. */
UINT nx_packet_allocate(NX_PACKET_POOL* pool_ptr, NX_PACKET** packet_ptr, ULONG packet_type,
                        ULONG wait_option);
/** Returns a packet to its pool. NX_SUCCESS; NX_PTR_ERROR for NULL, a packet of no pool, or
    one already released. */
UINT nx_packet_release(NX_PACKET* packet_ptr);
/** Copies the packet's data to buffer_start (which must hold nx_packet_length bytes) and
    stores the count in *bytes_copied. NX_SUCCESS; NX_PTR_ERROR for NULL pointers. */
UINT nx_packet_data_retrieve(NX_PACKET* packet_ptr, VOID* buffer_start, ULONG* bytes_copied);
/** Stores the packet's data length in *length. NX_SUCCESS; NX_PTR_ERROR for NULL pointers. */
UINT nx_packet_length_get(NX_PACKET* packet_ptr, ULONG* length);

/* ---- IP instance ----------------------------------------------------------------------- */
/** NetX's link driver request; never used on the host (declared for nx_ip_create). */
typedef struct NX_IP_DRIVER_STRUCT NX_IP_DRIVER;

/** An IP instance: on the host a handle for the host's TCP/IP stack. */
typedef struct NX_IP_STRUCT {
  ULONG nx_ip_id;                            /**< NX_IP_ID while created */
  const CHAR* nx_ip_name;                    /**< the name given to nx_ip_create */
  ULONG nx_ip_address;                       /**< the address given (recorded only) */
  ULONG nx_ip_network_mask;                  /**< the mask given (recorded only) */
  NX_PACKET_POOL* nx_ip_default_packet_pool; /**< the default packet pool */
  UINT nx_ip_tcp_enabled;                    /**< NX_TRUE after nx_tcp_enable */
} NX_IP;

/** Creates the IP instance. The host's TCP/IP stack carries all traffic: ip_link_driver (pass
    NULL) is never called, memory_ptr/memory_size/priority are not used, and ip_address and
    network_mask are only recorded. NX_SUCCESS; NX_PTR_ERROR for a NULL ip_ptr or
    default_pool. */
UINT nx_ip_create(NX_IP* ip_ptr, CHAR* name, ULONG ip_address, ULONG network_mask,
                  NX_PACKET_POOL* default_pool, VOID (*ip_link_driver)(NX_IP_DRIVER*),
                  VOID* memory_ptr, ULONG memory_size, UINT priority);
/** Deletes the IP instance. NX_SUCCESS; NX_PTR_ERROR if ip_ptr is NULL or not a created
    instance. */
UINT nx_ip_delete(NX_IP* ip_ptr);
/** Enables TCP (the POP3 client needs it: NX_NOT_ENABLED otherwise). NX_SUCCESS;
    NX_ALREADY_ENABLED the second time; NX_PTR_ERROR for a bad ip_ptr. */
UINT nx_tcp_enable(NX_IP* ip_ptr);

/* ---- Opaque control blocks the POP3 client struct embeds ------------------------------- */
/** A TCP socket control block, embedded in NX_POP3_CLIENT; opaque on the host. */
typedef struct NX_TCP_SOCKET_STRUCT {
  ULONG nx_tcp_socket_id;    /**< unused on the host */
  ULONG nx_tcp_socket_state; /**< unused on the host */
} NX_TCP_SOCKET;

#ifdef __cplusplus
}
#endif

#endif /* NX_API_H */
