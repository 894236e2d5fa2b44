/*
 * unchecked_mapping_test.c — with NX_DISABLE_ERROR_CHECKING the public names map to the
 * services without parameter checks (_nx_, _nxd_), as in NetX; without it (every other test
 * file) they map to _nxe_ / _nxde_.
 */
#define NX_DISABLE_ERROR_CHECKING
#include "nxd_pop3_client.h"

#include "check.h"

static void unchecked_names_map_to_core_services(void) {
  CHECK(nx_pop3_client_create == _nx_pop3_client_create);
  CHECK(nxd_pop3_client_create == _nxd_pop3_client_create);
  CHECK(nx_pop3_client_mail_items_get == _nx_pop3_client_mail_items_get);
  CHECK(nx_pop3_client_mail_item_size_get == _nx_pop3_client_mail_item_size_get);
  CHECK(nx_pop3_client_mail_item_get == _nx_pop3_client_mail_item_get);
  CHECK(nx_pop3_client_mail_item_message_get == _nx_pop3_client_mail_item_message_get);
  CHECK(nx_pop3_client_mail_item_delete == _nx_pop3_client_mail_item_delete);
  CHECK(nx_pop3_client_quit == _nx_pop3_client_quit);
  CHECK(nx_pop3_client_delete == _nx_pop3_client_delete);
}

/* The unchecked create has no NULL check of its own for the address: the core reports the
   bad parameter instead of NX_PTR_ERROR, and the client stays safe to delete. */
static void unchecked_create_reports_param_error(void) {
  NX_POP3_CLIENT client;
  CHECK_STATUS(
      nxd_pop3_client_create(&client, NX_FALSE, NX_NULL, NX_NULL, NX_NULL, 110, "user", "password"),
      NX_POP3_PARAM_ERROR);
  CHECK_STATUS(nx_pop3_client_delete(&client), NX_SUCCESS);
}

static const netx_test tests[] = {
    NETX_TEST(unchecked_names_map_to_core_services),
    NETX_TEST(unchecked_create_reports_param_error),
};

NETX_TEST_MAIN(tests)
