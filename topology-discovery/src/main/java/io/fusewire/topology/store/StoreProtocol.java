package io.fusewire.topology.store;

/**
 * The store's wire, over a plain TCP socket, big-endian as DataOutputStream writes it:
 *
 * <pre>
 *   request:  byte op | utf key | SET: int length, bytes | GET: long timeout ms | ADD: long delta | CHECK: nothing
 *   response: byte status | OK: SET nothing, GET int length + bytes, ADD long, CHECK boolean
 *                         | TIMEOUT or ERROR: utf reason
 * </pre>
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

    private StoreProtocol()
    {
    }
}
