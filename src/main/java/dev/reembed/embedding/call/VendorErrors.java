package dev.reembed.embedding.call;

import java.util.Optional;

/**
 * One vendor's reading of its failures: its error body, its status codes, its quota signals. The
 * seam that lets {@link ProviderCaller} retry, back off and report the same way for every vendor.
 */
public interface VendorErrors {

    /**
     * The meaning of what a request threw, or empty when it is not a failure of the vendor or of
     * the connection to it (a bug, rethrown as it is).
     */
    Optional<Failure> classify(RuntimeException e);
}
