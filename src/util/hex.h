/* SPDX-License-Identifier: BSD-2-Clause */
/* Hexadecimal digits: the one place that reads them (HTTP percent-escapes, MAC addresses). */
#ifndef IOTCP_UTIL_HEX_H
#define IOTCP_UTIL_HEX_H

/* The value of a hex digit (either case), or -1 when c is not one. */
static inline int hex_digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
