/*
 * bulwark-sandbox: the native helper `bulwark run` execs to start a plugin in an OS sandbox.
 *
 *   bulwark-sandbox [options] -- COMMAND [ARGS...]
 *
 * Layers, in the order they are applied: user/mount/pid/ipc/uts/net namespaces, a fresh root
 * (tmpfs) holding only the granted paths, rlimits, no_new_privs, all capabilities dropped,
 * Landlock (filesystem, TCP, scopes), a seccomp filter. Anything not granted is denied, and a
 * layer that cannot be applied is a setup failure (exit 125), never a silent downgrade
 * (the one exception, Landlock, needs `--allow-weaker landlock`).
 *
 * Exit status: the command's own, 128+N if it died of signal N, 125 on a sandbox setup failure,
 * 126 if the command was found but cannot be executed, 127 if it was not found.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/landlock.h>
#include <linux/sched.h>
#include <linux/securebits.h>
#include <linux/seccomp.h>

/* ---- constants newer than some distributions' kernel headers ---------------------------- */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif
#ifndef LANDLOCK_SCOPE_SIGNAL
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#endif
#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/* Our own copy of the ruleset attribute: the installed header may predate the net/scoped fields. */
struct bw_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

#if defined(__x86_64__)
#define BW_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define BW_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "bulwark-sandbox supports x86_64 and aarch64 only"
#endif

#define EXIT_SETUP 125
#define EXIT_NOEXEC 126
#define EXIT_NOTFOUND 127
#define MAX_GRANTS 256
#define MAX_ENV 256
#define BASE "/tmp"                 /* host directory the sandbox root is built under (covered by a tmpfs) */
#define NEWROOT "/newroot"          /* new root, relative to BASE after the first pivot */
#define OLDROOT "/oldroot"          /* host root, relative to BASE after the first pivot */

/* ---- options ----------------------------------------------------------------------------- */
struct grant {
    const char *path;   /* where it appears inside the sandbox, as given */
    char *source;       /* realpath() of it in the host view, resolved before the namespaces exist */
    int rw;
};

static struct grant grants[MAX_GRANTS];
static size_t ngrants;
static const char *envv[MAX_ENV + 1];
static size_t nenv;
static const char *home;
static int allow_spawn;
static int allow_weaker_landlock;
static struct {
    int set;
    int resource;
    rlim_t value;
} limits[8];
static size_t nlimits;
static char **command;

static void die(const char *what, int err, const char *fix) {
    if (err != 0)
        fprintf(stderr, "bulwark-sandbox: %s: %s (fix: %s)\n", what, strerror(err), fix);
    else
        fprintf(stderr, "bulwark-sandbox: %s (fix: %s)\n", what, fix);
    _exit(EXIT_SETUP);
}

static void dief(const char *fix, const char *fmt, const char *arg, int err) {
    char what[PATH_MAX + 128];
    snprintf(what, sizeof what, fmt, arg);
    die(what, err, fix);
}

static void usage_error(const char *what, const char *arg) {
    fprintf(stderr, "bulwark-sandbox: %s: %s (fix: see `bulwark-sandbox [options] -- COMMAND [ARGS...]`)\n", what, arg);
    _exit(EXIT_SETUP);
}

static rlim_t parse_number(const char *option, const char *text, rlim_t multiplier) {
    if (text == NULL || *text < '0' || *text > '9') usage_error("option needs a non-negative integer", option);
    errno = 0;
    char *end = NULL;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0') usage_error("option needs a non-negative integer", option);
    if (value > (unsigned long long)RLIM_INFINITY / multiplier) usage_error("option value is too large", option);
    return (rlim_t)(value * multiplier);
}

static int is_absolute_clean(const char *path) {
    if (path[0] != '/') return 0;
    if (strlen(path) >= PATH_MAX - 64) return 0;
    /* No "..", ".", empty components: the path is used both outside and inside the new root. */
    const char *p = path;
    while (*p) {
        while (*p == '/') p++;
        const char *start = p;
        while (*p && *p != '/') p++;
        size_t len = (size_t)(p - start);
        if ((len == 1 && start[0] == '.') || (len == 2 && start[0] == '.' && start[1] == '.')) return 0;
    }
    return 1;
}

static void add_limit(int resource, rlim_t value) {
    for (size_t i = 0; i < nlimits; i++)
        if (limits[i].resource == resource) {
            limits[i].value = value;
            return;
        }
    limits[nlimits].set = 1;
    limits[nlimits].resource = resource;
    limits[nlimits].value = value;
    nlimits++;
}

static void parse_args(int argc, char **argv) {
    int i = 1;
    for (; i < argc; i++) {
        const char *opt = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(opt, "--") == 0) {
            i++;
            break;
        }
        if (strncmp(opt, "--", 2) != 0) break;
        if (strcmp(opt, "--allow-spawn") == 0) {
            allow_spawn = 1;
            continue;
        }
        /* Every other option takes one value. */
        int known = strcmp(opt, "--ro") == 0 || strcmp(opt, "--rw") == 0 || strcmp(opt, "--home") == 0 ||
                    strcmp(opt, "--env") == 0 || strcmp(opt, "--net") == 0 || strcmp(opt, "--allow-weaker") == 0 ||
                    strcmp(opt, "--rlimit-as") == 0 || strcmp(opt, "--rlimit-nproc") == 0 ||
                    strcmp(opt, "--rlimit-cpu") == 0 || strcmp(opt, "--rlimit-fsize") == 0 ||
                    strcmp(opt, "--rlimit-nofile") == 0;
        if (!known) usage_error("unknown option", opt);
        if (val == NULL) usage_error("option needs a value", opt);
        i++;
        if (strcmp(opt, "--ro") == 0 || strcmp(opt, "--rw") == 0) {
            if (!is_absolute_clean(val)) usage_error("path must be absolute, without . or .. components", val);
            if (strcmp(val, "/") == 0) usage_error("granting the whole filesystem is refused", val);
            if (ngrants == MAX_GRANTS) usage_error("too many path grants", opt);
            grants[ngrants].path = val;
            grants[ngrants].rw = opt[3] == 'w';
            ngrants++;
        } else if (strcmp(opt, "--home") == 0) {
            if (!is_absolute_clean(val) || strcmp(val, "/") == 0) usage_error("--home must be an absolute directory path", val);
            home = val;
        } else if (strcmp(opt, "--env") == 0) {
            const char *eq = strchr(val, '=');
            if (eq == NULL || eq == val) usage_error("--env needs NAME=VALUE", val);
            if (nenv == MAX_ENV) usage_error("too many --env entries", opt);
            envv[nenv++] = val;
        } else if (strcmp(opt, "--net") == 0) {
            if (strcmp(val, "none") != 0) usage_error("unsupported --net mode (only `none`)", val);
        } else if (strcmp(opt, "--allow-weaker") == 0) {
            if (strcmp(val, "landlock") != 0) usage_error("unsupported --allow-weaker layer (only `landlock`)", val);
            allow_weaker_landlock = 1;
        } else if (strcmp(opt, "--rlimit-as") == 0) {
            add_limit(RLIMIT_AS, parse_number(opt, val, 1024 * 1024));
        } else if (strcmp(opt, "--rlimit-nproc") == 0) {
            add_limit(RLIMIT_NPROC, parse_number(opt, val, 1));
        } else if (strcmp(opt, "--rlimit-cpu") == 0) {
            add_limit(RLIMIT_CPU, parse_number(opt, val, 1));
        } else if (strcmp(opt, "--rlimit-fsize") == 0) {
            add_limit(RLIMIT_FSIZE, parse_number(opt, val, 1024 * 1024));
        } else {
            add_limit(RLIMIT_NOFILE, parse_number(opt, val, 1));
        }
    }
    if (i >= argc) usage_error("no command given", "expected `-- COMMAND [ARGS...]`");
    command = &argv[i];
    envv[nenv] = NULL;
}

/* ---- small file-system helpers ------------------------------------------------------------ */
static void write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) dief("run on a kernel with user namespaces enabled", "cannot open %s", path, errno);
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len) {
        int err = errno;
        close(fd);
        dief("check that unprivileged user namespaces are allowed (sysctl user.max_user_namespaces)", "cannot write %s", path, err);
    }
    close(fd);
}

static void refuse_symlink(const char *path);

/* mkdir -p, without following into the host: every component is created inside the new root. */
static void make_dirs(const char *path) {
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) dief("grant a path whose parent can be created", "cannot create %s", buf, errno);
        refuse_symlink(buf);
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) dief("grant a path whose parent can be created", "cannot create %s", buf, errno);
    refuse_symlink(buf);
}

static void make_file(const char *path) {
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", path);
    char *slash = strrchr(parent, '/');
    if (slash != NULL && slash != parent) {
        *slash = '\0';
        make_dirs(parent);
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 && errno != EEXIST && errno != EISDIR) dief("grant a path whose parent can be created", "cannot create mount point %s", path, errno);
    if (fd >= 0) close(fd);
}

static void mount_tmpfs(const char *where, const char *options) {
    if (mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV, options) != 0)
        dief("run on a kernel that allows tmpfs mounts in user namespaces", "cannot mount tmpfs at %s", where, errno);
}

/* Flags a bind remount must keep: in a user namespace they are locked, and dropping one is EPERM. */
static unsigned long locked_flags(const char *path) {
    struct statvfs sv;
    if (statvfs(path, &sv) != 0) dief("check the granted path", "cannot statvfs %s", path, errno);
    unsigned long flags = 0;
    if (sv.f_flag & ST_RDONLY) flags |= MS_RDONLY;
    if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

static void remount_bind(const char *path, unsigned long extra) {
    unsigned long flags = MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NODEV | extra | locked_flags(path);
    if (mount(NULL, path, NULL, flags, NULL) != 0) dief("report this kernel and container", "cannot remount %s", path, errno);
}

/* A mount point must not be reached through a symlink: a symlink planted in an --rw grant by an
 * earlier run could otherwise steer a later bind (or its mkdir) onto the host's root. */
static void refuse_symlink(const char *path) {
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
        dief("grant the symlink's target instead", "refusing to mount through the symlink %s", path + strlen(NEWROOT), 0);
}

static void bind_path(const char *host, const char *inside) {
    struct stat st;
    if (stat(host, &st) != 0)
        dief("grant only paths that exist, or create the path first", "cannot grant %s", host + strlen(OLDROOT), errno);
    if (S_ISDIR(st.st_mode)) make_dirs(inside);
    else make_file(inside);
    refuse_symlink(inside);
    if (mount(host, inside, NULL, MS_BIND | MS_REC, NULL) != 0)
        dief("check the granted path", "cannot bind %s", host + strlen(OLDROOT), errno);
}

/* Decode the octal escapes (\040 and friends) mountinfo uses for spaces and tabs. */
static void unescape(char *s) {
    char *out = s;
    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 4;
        } else {
            *out++ = *s++;
        }
    }
    *out = '\0';
}

static int path_under(const char *path, const char *prefix) {
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/*
 * Every mount under a grant (the bind itself and the host's submounts it brought along) is
 * remounted nosuid,nodev, and read-only when the nearest enclosing grant is --ro.
 */
static void seal_grants(void) {
    FILE *f = fopen(NEWROOT "/proc/self/mountinfo", "re");
    if (f == NULL) die("cannot read mountinfo", errno, "report this kernel and container");
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        /* Fields: id parent major:minor root mount-point ... */
        char *save = NULL;
        char *field = strtok_r(line, " ", &save);
        for (int k = 0; field != NULL && k < 4; k++) field = strtok_r(NULL, " ", &save);
        if (field == NULL) continue;
        unescape(field);
        if (!path_under(field, NEWROOT)) continue;
        const char *inside = field + strlen(NEWROOT);
        const struct grant *best = NULL;
        size_t best_len = 0;
        for (size_t i = 0; i < ngrants; i++) {
            size_t len = strlen(grants[i].path);
            if (path_under(inside, grants[i].path) && len >= best_len) {
                best = &grants[i];
                best_len = len;
            }
        }
        if (best == NULL) continue;
        remount_bind(field, best->rw ? 0 : MS_RDONLY);
    }
    free(line);
    fclose(f);
}

/* ---- namespaces and the new root ----------------------------------------------------------- */
static void setup_user_namespace(void) {
    uid_t uid = geteuid();
    gid_t gid = getegid();
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET) != 0)
        die("cannot create namespaces", errno,
            "enable unprivileged user namespaces (sysctl user.max_user_namespaces > 0, kernel.apparmor_restrict_unprivileged_userns=0)");
    char map[64];
    write_file("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
    write_file("/proc/self/uid_map", map);
    snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
    write_file("/proc/self/gid_map", map);
}

static void loopback_up(void) {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("cannot open a socket to configure loopback", errno, "report this kernel and container");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) die("cannot read loopback flags", errno, "report this kernel and container");
    ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) die("cannot bring loopback up", errno, "report this kernel and container");
    close(fd);
}

static void join(char *out, size_t size, const char *a, const char *b) {
    if ((size_t)snprintf(out, size, "%s%s", a, b) >= size) die("path too long", ENAMETOOLONG, "use shorter paths");
}

static void build_root(void) {
    char inside[PATH_MAX];
    char host[PATH_MAX];
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) die("cannot make mounts private", errno, "report this kernel and container");
    /* A tmpfs over BASE (only in this mount namespace) holds the new root and the old root's mount point. */
    mount_tmpfs(BASE, "mode=0755");
    if (mkdir(BASE NEWROOT, 0755) != 0 || mkdir(BASE OLDROOT, 0755) != 0) die("cannot create the sandbox root", errno, "report this kernel and container");
    mount_tmpfs(BASE NEWROOT, "mode=0755");
    if (syscall(SYS_pivot_root, BASE, BASE OLDROOT) != 0) die("cannot pivot_root", errno, "report this kernel and container");
    if (chdir("/") != 0) die("cannot chdir to the sandbox base", errno, "report this kernel and container");

    /* Fresh proc for our pid namespace. */
    make_dirs(NEWROOT "/proc");
    if (mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
        die("cannot mount proc", errno, "run where /proc is not partly masked (e.g. a container started with an unmasked /proc)");

    /* Minimal /dev: a handful of harmless devices, no tty. */
    static const char *const devices[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"};
    make_dirs(NEWROOT "/dev");
    mount_tmpfs(NEWROOT "/dev", "mode=0755");
    for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++) {
        join(inside, sizeof inside, NEWROOT, devices[i]);
        join(host, sizeof host, OLDROOT, devices[i]);
        make_file(inside);
        if (mount(host, inside, NULL, MS_BIND, NULL) != 0) dief("report this kernel and container", "cannot bind %s", devices[i], errno);
    }
    if (symlink("/proc/self/fd", NEWROOT "/dev/fd") != 0) die("cannot create /dev/fd", errno, "report this kernel and container");
    if (mount(NULL, NEWROOT "/dev", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755") != 0)
        die("cannot make /dev read-only", errno, "report this kernel and container");

    make_dirs(NEWROOT "/tmp");
    mount_tmpfs(NEWROOT "/tmp", "mode=1777");
    if (home != NULL) {
        join(inside, sizeof inside, NEWROOT, home);
        make_dirs(inside);
        mount_tmpfs(inside, "mode=0700");
    }

    for (size_t i = 0; i < ngrants; i++) {
        join(inside, sizeof inside, NEWROOT, grants[i].path);
        join(host, sizeof host, OLDROOT, grants[i].source);
        bind_path(host, inside);
    }
    seal_grants();

    if (umount2(OLDROOT, MNT_DETACH) != 0) die("cannot detach the host root", errno, "report this kernel and container");
    if (chdir(NEWROOT) != 0) die("cannot enter the new root", errno, "report this kernel and container");
    if (syscall(SYS_pivot_root, ".", ".") != 0) die("cannot pivot_root into the new root", errno, "report this kernel and container");
    if (umount2(".", MNT_DETACH) != 0) die("cannot detach the sandbox base", errno, "report this kernel and container");
    if (chdir("/") != 0) die("cannot chdir to /", errno, "report this kernel and container");
    if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0)
        die("cannot make the sandbox root read-only", errno, "report this kernel and container");
}

/* ---- privileges ---------------------------------------------------------------------------- */
static void apply_limits(void) {
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0) die("cannot disable core dumps", errno, "report this kernel and container");
    for (size_t i = 0; i < nlimits; i++) {
        struct rlimit rl = {limits[i].value, limits[i].value};
        if (setrlimit(limits[i].resource, &rl) != 0)
            die("cannot set a resource limit", errno, "lower the limit below the current hard limit");
    }
}

static void drop_privileges(void) {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("cannot set no_new_privs", errno, "run on Linux >= 3.5");
    if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
                                     SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE | SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
              0, 0, 0) != 0)
        die("cannot lock securebits", errno, "report this kernel and container");
    for (unsigned long cap = 0; cap <= 63; cap++)
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
            die("cannot drop the capability bounding set", errno, "report this kernel and container");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL)
        die("cannot clear ambient capabilities", errno, "report this kernel and container");
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capset, &header, data) != 0) die("cannot drop capabilities", errno, "report this kernel and container");
}

static void landlock_rule(int ruleset, const char *path, uint64_t access, uint64_t handled) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0) dief("report this kernel and container", "cannot open %s for a Landlock rule", path, errno);
    struct stat st;
    if (fstat(fd, &st) != 0) dief("report this kernel and container", "cannot stat %s", path, errno);
    if (!S_ISDIR(st.st_mode))
        access &= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
                  LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV;
    struct landlock_path_beneath_attr rule = {.allowed_access = access & handled, .parent_fd = fd};
    if (rule.allowed_access != 0 && syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0) != 0)
        dief("report this kernel and container", "cannot add a Landlock rule for %s", path, errno);
    close(fd);
}

static void apply_landlock(void) {
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) {
        if (allow_weaker_landlock) return;
        die("Landlock is unavailable", abi < 0 ? errno : 0,
            "boot with lsm=...,landlock (Linux >= 5.13), or accept the weaker sandbox with `--allow-weaker landlock`");
    }
    struct bw_ruleset_attr attr = {0, 0, 0};
    attr.handled_access_fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0..12 */
    if (abi >= 2) attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3) attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
    if (abi >= 5) attr.handled_access_fs |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
    size_t size = offsetof(struct bw_ruleset_attr, handled_access_net);
    if (abi >= 4) {
        attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP; /* no rules: no TCP */
        size = offsetof(struct bw_ruleset_attr, scoped);
    }
    if (abi >= 6) {
        attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
        size = sizeof attr;
    }
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0) die("cannot create the Landlock ruleset", errno, "report this kernel and container");

    const uint64_t h = attr.handled_access_fs;
    const uint64_t read = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    const uint64_t read_exec = read | LANDLOCK_ACCESS_FS_EXECUTE;
    const uint64_t read_write = read | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
                                LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                                LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_SYM |
                                LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE;
    for (size_t i = 0; i < ngrants; i++) landlock_rule(ruleset, grants[i].path, grants[i].rw ? read_write : read_exec, h);
    landlock_rule(ruleset, "/proc", read, h);
    landlock_rule(ruleset, "/dev", read, h);
    landlock_rule(ruleset, "/dev/null", read | LANDLOCK_ACCESS_FS_WRITE_FILE, h);
    landlock_rule(ruleset, "/tmp", read_write, h);
    if (home != NULL) landlock_rule(ruleset, home, read_write, h);
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0) die("cannot enforce the Landlock ruleset", errno, "report this kernel and container");
    close(ruleset);
}

/* ---- seccomp ------------------------------------------------------------------------------- */
#define MAX_FILTER 512
static struct sock_filter filter[MAX_FILTER];
static unsigned short nfilter;

static void emit(struct sock_filter insn) {
    if (nfilter == MAX_FILTER) die("seccomp filter too long", 0, "report this build");
    filter[nfilter++] = insn;
}

#define RET_ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define ARG_LO(n) ((uint32_t)(offsetof(struct seccomp_data, args) + 8 * (n))) /* both arches are little-endian */

static void deny_syscall(long nr, int err) {
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, RET_ERRNO(err)));
}

static void apply_seccomp(void) {
    static const long denied[] = {
        SYS_ptrace, SYS_process_vm_readv, SYS_process_vm_writev, SYS_bpf, SYS_perf_event_open, SYS_userfaultfd,
        SYS_keyctl, SYS_add_key, SYS_request_key, SYS_mount, SYS_umount2, SYS_pivot_root, SYS_fsopen, SYS_fsconfig,
        SYS_fsmount, SYS_fspick, SYS_move_mount, SYS_open_tree, SYS_unshare, SYS_setns, SYS_io_uring_setup,
        SYS_io_uring_enter, SYS_io_uring_register, SYS_kexec_load, SYS_kexec_file_load, SYS_init_module,
        SYS_finit_module, SYS_delete_module, SYS_reboot, SYS_swapon, SYS_swapoff, SYS_acct,
#ifdef SYS_mount_setattr
        SYS_mount_setattr,
#endif
    };
    const uint32_t ns_flags = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;

    emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)));
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, BW_AUDIT_ARCH, 1, 0));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
    emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)));
#if defined(__x86_64__)
    /* x32 system calls share AUDIT_ARCH_X86_64 but set bit 30: a second syscall table we do not filter. */
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000U, 0, 1));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
#endif
    for (size_t i = 0; i < sizeof denied / sizeof denied[0]; i++) deny_syscall(denied[i], EPERM);
    /* clone3 passes its flags in memory seccomp cannot read: ENOSYS makes libc fall back to clone. */
    deny_syscall(SYS_clone3, ENOSYS);
    if (!allow_spawn) {
#ifdef SYS_fork
        deny_syscall(SYS_fork, EPERM);
#endif
#ifdef SYS_vfork
        deny_syscall(SYS_vfork, EPERM);
#endif
    }
    /* clone: never new namespaces; without --allow-spawn, threads only. Accumulator holds nr. */
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, allow_spawn ? 4 : 6));
    emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)));
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, ns_flags, 0, 1));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, RET_ERRNO(EPERM)));
    if (!allow_spawn) {
        emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 1, 0));
        emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, RET_ERRNO(EPERM)));
    }
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    /* ioctl: no TIOCSTI (keystroke injection) or TIOCLINUX. The cmd is an unsigned int. */
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 5));
    emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)));
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCSTI, 2, 0));
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TIOCLINUX, 1, 0));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, RET_ERRNO(EPERM)));
    /* socket: no netlink (routing, audit, uevents) and no raw packet sockets. */
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 5));
    emit((struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(0)));
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 2, 0));
    emit((struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_PACKET, 1, 0));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, RET_ERRNO(EPERM)));
    emit((struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));

    struct sock_fprog prog = {.len = nfilter, .filter = filter};
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) != 0)
        die("cannot install the seccomp filter", errno, "run on a kernel with CONFIG_SECCOMP_FILTER");
}

/* ---- exec ---------------------------------------------------------------------------------- */
static const char *env_path(void) {
    for (size_t i = 0; i < nenv; i++)
        if (strncmp(envv[i], "PATH=", 5) == 0) return envv[i] + 5;
    return NULL;
}

static void exec_command(void) {
    const char *name = command[0];
    if (strchr(name, '/') != NULL) {
        execve(name, command, (char *const *)envv);
        int err = errno;
        fprintf(stderr, "bulwark-sandbox: cannot execute %s: %s (fix: %s)\n", name, strerror(err),
                err == ENOENT ? "grant the command's path with --ro" : "grant read/execute on the command with --ro");
        _exit(err == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
    }
    const char *path = env_path();
    if (path == NULL || *name == '\0') {
        fprintf(stderr, "bulwark-sandbox: cannot resolve %s: no PATH in the sandbox environment (fix: pass --env PATH=... or an absolute command)\n", name);
        _exit(EXIT_NOTFOUND);
    }
    int saw_eacces = 0;
    char candidate[PATH_MAX];
    for (const char *p = path;; p++) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > 0 && len + strlen(name) + 2 < sizeof candidate) {
            memcpy(candidate, p, len);
            candidate[len] = '/';
            strcpy(candidate + len + 1, name);
            execve(candidate, command, (char *const *)envv);
            if (errno == EACCES || errno == EPERM || errno == ENOEXEC) saw_eacces = errno;
        }
        if (end == NULL) break;
        p = end;
    }
    if (saw_eacces) {
        fprintf(stderr, "bulwark-sandbox: cannot execute %s: %s (fix: grant read/execute on the command with --ro)\n", name, strerror(saw_eacces));
        _exit(EXIT_NOEXEC);
    }
    fprintf(stderr, "bulwark-sandbox: cannot find %s: %s (fix: grant the command's directory with --ro and list it in --env PATH=...)\n", name, strerror(ENOENT));
    _exit(EXIT_NOTFOUND);
}

/*
 * The kernel does not apply RLIMIT_NPROC to the global root user (INIT_USER), even without
 * capabilities, and the caller's uid is mapped to itself. Fail closed instead of pretending.
 */
static void refuse_unenforceable_nproc(void) {
    int wanted = 0;
    for (size_t i = 0; i < nlimits; i++) wanted |= limits[i].resource == RLIMIT_NPROC;
    if (!wanted || getuid() != 0) return;
    FILE *f = fopen("/proc/self/uid_map", "re");
    if (f == NULL) die("cannot read /proc/self/uid_map", errno, "run with /proc mounted");
    unsigned long inside = 1, outside = 1, count = 0;
    int global_root = fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 && outside == 0;
    fclose(f);
    if (global_root)
        die("--rlimit-nproc cannot be enforced for the root user", 0,
            "run the sandbox as an unprivileged user, or drop --rlimit-nproc and limit processes with a cgroup (pids.max)");
}

/* ---- supervisor ---------------------------------------------------------------------------- */
static volatile pid_t child_pid;

/*
 * The command is PID 1 of its namespace, and the kernel drops signals sent to a namespace init
 * that has no handler for them (except SIGKILL). So a forwarded SIGTERM/SIGINT only ends a
 * command that handles it; if the command is still alive GRACE_SECONDS later, it gets SIGKILL.
 */
#define GRACE_SECONDS 5
static volatile sig_atomic_t grace_armed;

static void forward_signal(int sig) {
    if (child_pid <= 0) return;
    kill(child_pid, sig);
    if (!grace_armed) {
        grace_armed = 1;
        alarm(GRACE_SECONDS);
    }
}

static void grace_expired(int sig) {
    (void)sig;
    if (child_pid > 0) kill(child_pid, SIGKILL);
}

int main(int argc, char **argv) {
    parse_args(argc, argv);
    for (size_t i = 0; i < ngrants; i++) {
        grants[i].source = realpath(grants[i].path, NULL);
        if (grants[i].source == NULL)
            dief("grant only paths that exist, or create the path first", "cannot grant %s", grants[i].path, errno);
    }
    refuse_unenforceable_nproc();
    setup_user_namespace();

    /* Forwarded signals are blocked across fork so the handler never sees a half-set child_pid. */
    sigset_t forwarded, previous;
    sigemptyset(&forwarded);
    sigaddset(&forwarded, SIGTERM);
    sigaddset(&forwarded, SIGINT);
    sigaddset(&forwarded, SIGHUP);
    sigaddset(&forwarded, SIGQUIT);
    sigprocmask(SIG_BLOCK, &forwarded, &previous);

    pid_t pid = fork();
    if (pid < 0) die("cannot fork the sandbox init", errno, "raise the process limit");
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &previous, NULL);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) die("cannot set the parent-death signal", errno, "report this kernel and container");
        /* Only stdin, stdout and stderr reach the command: no descriptor the launcher leaked. */
        if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0) die("cannot close inherited descriptors", errno, "run on Linux >= 5.9");
        build_root();
        loopback_up();
        if (sethostname("bulwark", 7) != 0) die("cannot set the hostname", errno, "report this kernel and container");
        if (setsid() < 0) die("cannot start a new session", errno, "report this kernel and container");
        apply_limits();
        drop_privileges();
        apply_landlock();
        apply_seccomp();
        exec_command();
    }

    child_pid = pid;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = forward_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    sa.sa_handler = grace_expired;
    sigaction(SIGALRM, &sa, NULL);
    sigprocmask(SIG_SETMASK, &previous, NULL);

    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, 0);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) die("cannot wait for the sandbox", errno, "report this kernel and container");
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return EXIT_SETUP;
}
