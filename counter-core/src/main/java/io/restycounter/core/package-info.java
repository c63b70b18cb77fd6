/**
 * The face of counter-core, what an embedder reads: {@link io.restycounter.core.CounterEngine} (one
 * running counter), {@link io.restycounter.core.CounterConfig} (its settings), the model
 * ({@code CounterKey}, {@code Hit}, {@code Geo}), the privacy model ({@code PrivacyPolicy}, {@code HitSignals},
 * {@code TenantPrivacy}, the seam a tenant registry plugs into) and the interfaces the parts implement
 * ({@code CounterStore}, {@code HitLog}, {@code GeoIp}, {@code CounterArchive}, {@code TenantKeys},
 * {@code IpHashKeys}, {@code Lifecycle}). The concern packages import from here; of the classes here only the engine and
 * the configuration, which wire the parts together, import the concern packages, and no cycle runs
 * through them (ArchitectureTest).
 */
package io.restycounter.core;
