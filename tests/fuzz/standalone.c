/* SPDX-License-Identifier: BSD-2-Clause */
/* A libFuzzer-compatible driver for builds without libFuzzer: replays every file of the corpus
 * directories or files given, then runs --iterations=N deterministic mutations of them
 * (fixed seed), so every build exercises each fuzz target. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT 65536

struct input {
	uint8_t *data;
	size_t len;
};

static struct input *inputs;
static size_t ninputs, cap_inputs;

static void add_input(const uint8_t *d, size_t n)
{
	if (ninputs == cap_inputs) {
		cap_inputs = cap_inputs ? cap_inputs * 2 : 64;
		inputs = realloc(inputs, cap_inputs * sizeof(*inputs));
		if (!inputs)
			abort();
	}
	inputs[ninputs].data = malloc(n ? n : 1);
	if (!inputs[ninputs].data)
		abort();
	memcpy(inputs[ninputs].data, d, n);
	inputs[ninputs].len = n;
	ninputs++;
}

static void load_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	static uint8_t buf[FUZZ_MAX_INPUT];
	size_t n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	add_input(buf, n);
}

static void load_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		load_file(path);
		return;
	}
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char p[4096];
		snprintf(p, sizeof(p), "%s/%s", path, e->d_name);
		load_file(p);
	}
	closedir(d);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

int main(int argc, char **argv)
{
	long iterations = 0;
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--iterations=", 13) == 0)
			iterations = strtol(argv[i] + 13, NULL, 10);
		else
			load_path(argv[i]);
	}
	for (size_t i = 0; i < ninputs; i++)
		LLVMFuzzerTestOneInput(inputs[i].data, inputs[i].len);
	static uint8_t buf[FUZZ_MAX_INPUT];
	for (long it = 0; it < iterations; it++) {
		size_t len;
		if (ninputs && (next_rand() % 8) != 0) {
			const struct input *in = &inputs[next_rand() % ninputs];
			len = in->len;
			memcpy(buf, in->data, len);
			int flips = 1 + (int)(next_rand() % 8);
			for (int k = 0; k < flips && len; k++) {
				switch (next_rand() % 4) {
				case 0:
					buf[next_rand() % len] ^=
					    (uint8_t)(1u << (next_rand() % 8));
					break;
				case 1:
					buf[next_rand() % len] = (uint8_t)next_rand();
					break;
				case 2:
					len = next_rand() % (len + 1);
					break;
				default:
					if (len < FUZZ_MAX_INPUT - 16) {
						for (int j = 0; j < 8; j++)
							buf[len++] = (uint8_t)next_rand();
					}
					break;
				}
			}
		} else {
			len = next_rand() % 256;
			for (size_t k = 0; k < len; k++)
				buf[k] = (uint8_t)next_rand();
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("standalone fuzz driver: %zu corpus inputs, %ld mutated inputs, no crash\n", ninputs,
	       iterations);
	for (size_t i = 0; i < ninputs; i++)
		free(inputs[i].data);
	free(inputs);
	return 0;
}
