/* SPDX-License-Identifier: BSD-2-Clause */
/* SipHash-2-4 against the reference vectors of the SipHash paper (key 00..0f, message
 * 00 01 .. (len-1)), plus alignment independence and key sensitivity. */
#include <string.h>

#include "../check.h"
#include "util/siphash.h"

static const uint64_t vectors[] = {
    0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
    0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
    0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
    0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
    0x3f2acc7f57c29bdb, 0x699ae9f52cbe4794, 0x4bc1b3f0968dd39c, 0xbb6dc91da77961bd,
    0xbed65cf21aa2ee98, 0xd0f2cbb02e3b67c7, 0x93536795e3a33e88, 0xa80c038ccd5ccec8,
};
#define NVEC (sizeof(vectors) / sizeof(vectors[0]))

static uint8_t key[16], msg[NVEC + 1];

/* Reference vectors: empty -> 0x726fdb47dd0e0e31, 15 bytes -> 0xa129ca6149be45e5, ... */
static void test_reference_vectors(void)
{
	for (unsigned len = 0; len < NVEC; len++)
		CHECK_EQ_U64(siphash24(key, msg, len), vectors[len]);
	CHECK_EQ_U64(siphash24(key, NULL, 0), 0x726fdb47dd0e0e31);
}

/* Unaligned input gives the same result. */
static void test_unaligned_input(void)
{
	uint8_t shifted[NVEC + 1];

	memcpy(shifted + 1, msg, NVEC);
	CHECK_EQ_U64(siphash24(key, shifted + 1, 15), 0xa129ca6149be45e5);
}

/* Any key bit changes the output. */
static void test_every_key_bit_matters(void)
{
	for (unsigned bit = 0; bit < 128; bit++) {
		uint8_t k2[16];

		memcpy(k2, key, sizeof(k2));
		k2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		CHECK(siphash24(k2, msg, 8) != vectors[8]);
	}
}

int main(int argc, char **argv)
{
	for (unsigned i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	RUN_INIT(argc, argv);
	RUN(test_reference_vectors);
	RUN(test_unaligned_input);
	RUN(test_every_key_bit_matters);
	RUN_DONE();
}
