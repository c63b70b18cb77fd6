/**
 * Closed days: aggregation of the logs (counts and the fates their lines show, and the live counters'
 * other fates) into the archive, the daily job that runs it (and completes each tenant's all-time totals
 * once), reconciliation with the live store, imported history ({@code HistoryImport}), and the archive's
 * month format that both archives share. Imports the face and {@code log}.
 */
package io.restycounter.core.report;
