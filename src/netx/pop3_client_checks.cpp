// The error-checking services (_nxe_ / _nxde_): pointers first (NX_PTR_ERROR), then
// parameters, then the core service — in the original's order.
#define NX_POP3_CLIENT_SOURCE_CODE
#include "nxd_pop3_client.h"

extern "C" {

UINT _nxe_pop3_client_create(NX_POP3_CLIENT* client_ptr, UINT APOP_authentication, NX_IP* ip_ptr,
                             NX_PACKET_POOL* packet_pool_ptr, ULONG server_ip_address,
                             ULONG server_port, CHAR* client_name, CHAR* client_password) {
  if (!ip_ptr || !client_ptr || !packet_pool_ptr || !client_name || !client_password)
    return NX_PTR_ERROR;
  if (ip_ptr->nx_ip_id != NX_IP_ID || server_ip_address == 0 || server_port == 0)
    return NX_POP3_PARAM_ERROR;
  return _nx_pop3_client_create(client_ptr, APOP_authentication, ip_ptr, packet_pool_ptr,
                                server_ip_address, server_port, client_name, client_password);
}

UINT _nxde_pop3_client_create(NX_POP3_CLIENT* client_ptr, UINT APOP_authentication, NX_IP* ip_ptr,
                              NX_PACKET_POOL* packet_pool_ptr, NXD_ADDRESS* server_duo_address,
                              ULONG server_port, CHAR* client_name, CHAR* client_password) {
  if (!ip_ptr || !client_ptr || !packet_pool_ptr || !client_name || !client_password ||
      !server_duo_address)
    return NX_PTR_ERROR;
  if (ip_ptr->nx_ip_id != NX_IP_ID || server_port == 0) return NX_POP3_PARAM_ERROR;
  return _nxd_pop3_client_create(client_ptr, APOP_authentication, ip_ptr, packet_pool_ptr,
                                 server_duo_address, server_port, client_name, client_password);
}

UINT _nxe_pop3_client_mail_items_get(NX_POP3_CLIENT* client_ptr, UINT* number_mail_items,
                                     ULONG* maildrop_total_size) {
  if (!client_ptr || !number_mail_items || !maildrop_total_size) return NX_PTR_ERROR;
  return _nx_pop3_client_mail_items_get(client_ptr, number_mail_items, maildrop_total_size);
}

UINT _nxe_pop3_client_mail_item_size_get(NX_POP3_CLIENT* client_ptr, UINT mail_item, ULONG* size) {
  if (!client_ptr || !size) return NX_PTR_ERROR;
  *size = 0;  // as the header promises: 0 unless NX_SUCCESS
  if (mail_item == 0) return NX_POP3_CLIENT_INVALID_INDEX;
  return _nx_pop3_client_mail_item_size_get(client_ptr, mail_item, size);
}

UINT _nxe_pop3_client_mail_item_get(NX_POP3_CLIENT* client_ptr, UINT mail_item, ULONG* item_size) {
  if (!client_ptr || !item_size) return NX_PTR_ERROR;
  if (mail_item == 0) return NX_POP3_CLIENT_INVALID_INDEX;
  return _nx_pop3_client_mail_item_get(client_ptr, mail_item, item_size);
}

UINT _nxe_pop3_client_mail_item_decoded_get(NX_POP3_CLIENT* client_ptr, UINT mail_item,
                                            ULONG* item_size) {
  if (!client_ptr || !item_size) return NX_PTR_ERROR;
  if (mail_item == 0) return NX_POP3_CLIENT_INVALID_INDEX;
  return _nx_pop3_client_mail_item_decoded_get(client_ptr, mail_item, item_size);
}

UINT _nxe_pop3_client_mail_item_message_get(NX_POP3_CLIENT* client_ptr, NX_PACKET** recv_packet_ptr,
                                            ULONG* bytes_retrieved, UINT* final_packet) {
  if (!client_ptr || !recv_packet_ptr || !bytes_retrieved || !final_packet) return NX_PTR_ERROR;
  return _nx_pop3_client_mail_item_message_get(client_ptr, recv_packet_ptr, bytes_retrieved,
                                               final_packet);
}

UINT _nxe_pop3_client_mail_item_delete(NX_POP3_CLIENT* client_ptr, UINT mail_index) {
  if (!client_ptr) return NX_PTR_ERROR;
  if (mail_index == 0) return NX_POP3_CLIENT_INVALID_INDEX;
  return _nx_pop3_client_mail_item_delete(client_ptr, mail_index);
}

UINT _nxe_pop3_client_quit(NX_POP3_CLIENT* client_ptr) {
  if (!client_ptr) return NX_PTR_ERROR;
  return _nx_pop3_client_quit(client_ptr);
}

UINT _nxe_pop3_client_delete(NX_POP3_CLIENT* client_ptr) {
  if (!client_ptr) return NX_PTR_ERROR;
  return _nx_pop3_client_delete(client_ptr);
}

}  // extern "C"
