/* Keeps the library non-empty while its modules are being written. */
typedef int iotcp_util_empty_unit;
