/*
 * A Kafka-protocol peer for the cluster and the tests: librdkafka's mock cluster on 127.0.0.1.
 *
 *   kafka-mock [--brokers N] [--partitions P] TOPIC...
 *
 * Creates the topics (the mock has no CreateTopics API), prints the bootstrap address on one line
 * of stdout, and serves until SIGTERM/SIGINT or until stdin reaches end-of-file, so it never
 * outlives the process that started it with a pipe on its stdin.
 *
 * A line `error API_KEY ERROR_CODE` on stdin makes the next request of that API answer that error
 * (tests of what a client does with it); it prints `injected API_KEY ERROR_CODE` once armed.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

static volatile sig_atomic_t stopping = 0;

static void on_signal(int sig) {
        (void)sig;
        stopping = 1;
}

struct creation {
        pthread_t thread;
        rd_kafka_mock_cluster_t *cluster;
        const char *topic;
        int partitions, replication;
        rd_kafka_resp_err_t err;
};

static void *create_topic(void *arg) {
        struct creation *c = arg;
        c->err = rd_kafka_mock_topic_create(c->cluster, c->topic, c->partitions, c->replication);
        return NULL;
}

/* Runs every complete line in line[0..len) and keeps the unfinished rest at the start; returns its
 * length. A line longer than the buffer is dropped. */
static size_t run_commands(rd_kafka_mock_cluster_t *cluster, char *line, size_t len, size_t cap) {
        char *start = line, *end;
        line[len] = '\0';
        while ((end = memchr(start, '\n', len - (size_t)(start - line)))) {
                *end = '\0';
                int api_key, code;
                if (sscanf(start, "error %d %d", &api_key, &code) == 2) {
                        rd_kafka_mock_push_request_errors(cluster, (int16_t)api_key, 1,
                                                          (rd_kafka_resp_err_t)code);
                        printf("injected %d %d\n", api_key, code);
                        fflush(stdout);
                } else {
                        fprintf(stderr, "kafka-mock: unknown command: %s\n", start);
                }
                start = end + 1;
        }
        size_t rest = len - (size_t)(start - line);
        if (rest >= cap)
                return 0;
        memmove(line, start, rest);
        return rest;
}

static int positive(const char *flag, const char *value) {
        char *end;
        long n = value ? strtol(value, &end, 10) : 0;
        if (!value || *end || n < 1 || n > 1000) {
                fprintf(stderr, "kafka-mock: %s needs a number from 1 to 1000, got %s\n", flag,
                        value ? value : "nothing");
                exit(2);
        }
        return (int)n;
}

int main(int argc, char **argv) {
        int brokers = 1, partitions = 3, first_topic = argc;
        char errstr[512];

        for (int i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--brokers"))
                        brokers = positive("--brokers", argv[++i]);
                else if (!strcmp(argv[i], "--partitions"))
                        partitions = positive("--partitions", argv[++i]);
                else {
                        first_topic = i;
                        break;
                }
        }

        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        /* The handle only hosts the mock cluster; keep librdkafka's own logging to real problems. */
        if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "kafka-mock: %s\n", errstr);
                return 1;
        }
        rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "kafka-mock: %s\n", errstr);
                return 1;
        }
        rd_kafka_mock_cluster_t *cluster = rd_kafka_mock_cluster_new(rk, brokers);
        if (!cluster) {
                fprintf(stderr, "kafka-mock: could not create the mock cluster\n");
                return 1;
        }

        /* One thread per topic: the mock thread sometimes notices a queued request only at its next
         * 1 s timer tick, so creating topics one after another can take seconds. */
        int count = argc - first_topic, failed = 0;
        struct creation *creations = calloc(count ? count : 1, sizeof(*creations));
        for (int i = 0; i < count; i++) {
                creations[i] = (struct creation){.cluster = cluster,
                                                 .topic = argv[first_topic + i],
                                                 .partitions = partitions,
                                                 .replication = brokers < 3 ? brokers : 3};
                if (pthread_create(&creations[i].thread, NULL, create_topic, &creations[i])) {
                        fprintf(stderr, "kafka-mock: could not start a thread\n");
                        return 1;
                }
        }
        for (int i = 0; i < count; i++) {
                pthread_join(creations[i].thread, NULL);
                if (creations[i].err) {
                        fprintf(stderr, "kafka-mock: topic %s: %s\n", creations[i].topic,
                                rd_kafka_err2str(creations[i].err));
                        failed = 1;
                }
        }
        free(creations);
        if (failed)
                return 1;

        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        printf("%s\n", rd_kafka_mock_cluster_bootstraps(cluster));
        fflush(stdout);

        struct pollfd in = {.fd = STDIN_FILENO, .events = POLLIN};
        char line[256];
        size_t used = 0;
        while (!stopping) {
                int ready = poll(&in, 1, 200);
                if (ready < 0 && errno != EINTR)
                        break;
                if (ready > 0) {
                        ssize_t n = read(STDIN_FILENO, line + used, sizeof(line) - 1 - used);
                        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
                                break; /* the parent is gone */
                        if (n > 0)
                                used = run_commands(cluster, line, used + (size_t)n, sizeof(line) - 1);
                }
        }

        rd_kafka_mock_cluster_destroy(cluster);
        rd_kafka_destroy(rk);
        return 0;
}
