package io.fusewire.transport;

/** Receives completions from {@link CompletionQueue#poll}. */
@FunctionalInterface
public interface CompletionHandler
{
    /**
     * @param completion the completion; a flyweight valid only during this call.
     */
    void onCompletion(Completion completion);
}
