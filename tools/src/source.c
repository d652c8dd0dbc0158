// SPDX-License-Identifier: GPL-2.0
/*
 * source.c - read a debugfs file whole, with a size cap, and turn a missing
 * directory into the fix a person needs (mount debugfs, load the module,
 * become root).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "parse.h"
#include "source.h"
#include "tcpfsm.h"

#define DEBUGFS_MAGIC 0x64626720

/*
 * Read ROOT/NAME into a malloc'd buffer.  debugfs reports size 0, so read
 * until EOF; refuse more than TF_MAX_FILE bytes.  Returns SRC_*.
 */
int src_read(const char *root, const char *name, char **buf, size_t *len, int *errnum)
{
	size_t cap = 64 * 1024, n = 0;
	char path[4096], *b, *nb;
	int fd;

	*buf = NULL;
	*len = 0;
	*errnum = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, name) >= sizeof(path)) {
		*errnum = ENAMETOOLONG;
		return SRC_ERROR;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		*errnum = errno;
		if (errno == ENOENT)
			return SRC_MISSING;
		return errno == EACCES || errno == EPERM ? SRC_DENIED : SRC_ERROR;
	}
	b = malloc(cap);
	if (!b) {
		close(fd);
		*errnum = ENOMEM;
		return SRC_ERROR;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			if (cap > TF_MAX_FILE) {
				free(b);
				close(fd);
				return SRC_TOOBIG;
			}
			cap *= 2;
			nb = realloc(b, cap);
			if (!nb) {
				free(b);
				close(fd);
				*errnum = ENOMEM;
				return SRC_ERROR;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			*errnum = errno;
			free(b);
			close(fd);
			return errno == EACCES || errno == EPERM ? SRC_DENIED : SRC_ERROR;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > TF_MAX_FILE) {
		free(b);
		return SRC_TOOBIG;
	}
	*buf = b;
	*len = n;
	return SRC_OK;
}

/* Write DATA to ROOT/NAME in one write(2). */
int src_write(const char *root, const char *name, const char *data, int *errnum)
{
	char path[4096];
	size_t len = strlen(data);
	ssize_t w;
	int fd;

	*errnum = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, name) >= sizeof(path)) {
		*errnum = ENAMETOOLONG;
		return SRC_ERROR;
	}
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*errnum = errno;
		if (errno == ENOENT)
			return SRC_MISSING;
		return errno == EACCES || errno == EPERM ? SRC_DENIED : SRC_ERROR;
	}
	do
		w = write(fd, data, len);
	while (w < 0 && errno == EINTR);
	if (w < 0 || (size_t)w != len) {
		*errnum = w < 0 ? errno : EIO;
		close(fd);
		return SRC_ERROR;
	}
	if (close(fd)) {
		*errnum = errno;
		return SRC_ERROR;
	}
	return SRC_OK;
}

/* The directory part of PATH (without trailing slashes) into BUF. */
static void parent_of(const char *path, char *buf, size_t len)
{
	char *s;

	snprintf(buf, len, "%s", path);
	s = buf + strlen(buf);
	while (s > buf + 1 && s[-1] == '/')
		*--s = '\0';
	s = strrchr(buf, '/');
	if (!s)
		snprintf(buf, len, ".");
	else if (s == buf)
		buf[1] = '\0';
	else
		*s = '\0';
}

/*
 * ROOT cannot be used: say why and what to do in MSG, return the exit
 * code.  The debugfs and module hints are given only where they apply: the
 * parent is a debugfs mount, or ROOT is the default path.
 */
int src_diagnose(const char *root, char *msg, size_t len)
{
	char parent[4096];
	struct statfs fs;
	struct stat st;
	int e;

	if (stat(root, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			snprintf(msg, len, "%s: not a directory", root);
			return EX_NOSRC;
		}
		if (access(root, R_OK | X_OK) != 0) {
			snprintf(msg, len, "%s: permission denied: run tcpfsm as root "
				 "(debugfs is root-only)", root);
			return EX_PERM;
		}
		snprintf(msg, len, "%s: %s", root, strerror(errno));
		return EX_NOSRC;
	}
	e = errno;
	if (e == EACCES || e == EPERM) {
		snprintf(msg, len, "%s: permission denied: run tcpfsm as root "
			 "(debugfs is mounted root-only)", root);
		return EX_PERM;
	}
	parent_of(root, parent, sizeof(parent));
	if (statfs(parent, &fs) == 0 && (unsigned long)fs.f_type == DEBUGFS_MAGIC) {
		if (stat("/sys/module/tcpfsm", &st) == 0)
			snprintf(msg, len, "%s: missing although the tcpfsm module is loaded "
				 "(is this its debugfs directory?)", root);
		else
			snprintf(msg, len, "the tcpfsm module is not loaded (no %s): load it "
				 "with 'insmod module/tcpfsm.ko' or 'modprobe tcpfsm'", root);
		return EX_NOSRC;
	}
	if (strcmp(root, TCPFSM_DEFAULT_ROOT) == 0) {
		snprintf(msg, len, "debugfs is not mounted on %s: mount it with "
			 "'mount -t debugfs none %s'%s", parent, parent,
			 stat("/sys/module/tcpfsm", &st) == 0 ? "" :
			 "; the tcpfsm module is not loaded either: 'insmod module/tcpfsm.ko' "
			 "or 'modprobe tcpfsm'");
		return EX_NOSRC;
	}
	snprintf(msg, len, "%s: %s", root, strerror(e));
	return EX_NOSRC;
}
