/*
 * Capstan's pause: PID 1 of a pod sandbox. It holds the pod's namespaces open, reaps
 * the zombies that processes sharing its PID namespace leave behind, and exits 0 on
 * SIGTERM or SIGINT. Built statically by @capstan/testenv (gcc -static -Os -s).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define VERSION "capstan-pause 1.0"

static void on_term(int sig) {
  (void)sig;
  _exit(0);
}

static void on_child(int sig) {
  int saved = errno;
  (void)sig;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static int install(int sig, void (*handler)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART | (sig == SIGCHLD ? SA_NOCLDSTOP : 0);
  return sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "-v") == 0) {
    puts(VERSION);
    return 0;
  }
  if (getpid() != 1) {
    fprintf(stderr, "pause: warning: not PID 1, zombies of others are not mine to reap\n");
  }
  if (install(SIGINT, on_term) != 0 || install(SIGTERM, on_term) != 0 ||
      install(SIGCHLD, on_child) != 0) {
    perror("pause: sigaction");
    return 1;
  }
  for (;;) {
    pause();
  }
  /* not reached */
  return 42;
}
