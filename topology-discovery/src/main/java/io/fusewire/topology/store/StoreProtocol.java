package io.fusewire.topology.store;

import io.fusewire.topology.Hmac;
import java.nio.charset.StandardCharsets;

/**
 * The store's wire, over a plain TCP socket, big-endian as DataOutputStream writes it. Each
 * connection first proves that it holds its job's secret, then makes requests on that job's keys
 * only (each job its own namespace):
 *
 * <pre>
 *   server:   byte OK, 16 bytes challenge | ERROR: utf reason (too many clients)
 *   client:   long job | 32 bytes HMAC-SHA256(K, challenge)      K = HMAC-SHA256(secret, "fusewire store job " + job)
 *   server:   byte OK | UNKNOWN_JOB | ERROR: utf reason
 *   on UNKNOWN_JOB (the first client of a job): client: 32 bytes K; server: byte OK | ERROR: utf reason
 *
 *   request:  byte op | utf key | SET: int length, bytes | GET: long timeout ms | ADD: long delta | CHECK: nothing
 *   response: byte status | OK: SET nothing, GET int length + bytes, ADD long, CHECK boolean
 *                         | TIMEOUT or ERROR: utf reason
 * </pre>
 *
 * The store learns a job's verifier K from its first client, as an aggregator learns a job's secret
 * from its first join; K is derived from the secret, which never crosses the wire, and later clients
 * send only an HMAC of a fresh challenge.
 */
final class StoreProtocol
{
    static final int SET = 1;
    static final int GET = 2;
    static final int ADD = 3;
    static final int CHECK = 4;

    static final int OK = 0;
    static final int TIMEOUT = 1;
    static final int ERROR = 2;
    static final int UNKNOWN_JOB = 3;

    private StoreProtocol()
    {
    }

    /** @return the job's verifier K, derived from its secret. */
    static byte[] verifier(final long job, final String secret)
    {
        return Hmac.of(secret.getBytes(StandardCharsets.UTF_8), ("fusewire store job " + job).getBytes(StandardCharsets.US_ASCII));
    }
}
