package dev.onebase.observability;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.quarkus.arc.Unremovable;

/**
 * The spans the test service records, kept in memory for {@link TracingTest}. The test profile samples only the
 * requests that carry a sampled {@code traceparent} (ratio 0), so the rest of the suite records nothing.
 */
public class InMemorySpans {

    /**
     * Not a bean: Quarkus wraps every SpanExporter bean in a batch processor of its own, so the spans arrived twice, the
     * second time seconds later (TracingTest failed with two server spans when the suite ran slowly).
     */
    public static final InMemorySpanExporter EXPORTER = InMemorySpanExporter.create();

    @Produces
    @Singleton
    @Unremovable
    SpanProcessor collect() {
        return SimpleSpanProcessor.create(EXPORTER);
    }
}
