/**
 * The synthetic market model, exposed for tests, examples and custom nodes: per-token plans
 * (regimes and pump starts), candles into reused typed arrays, alerts. Pure and synchronous;
 * `generateSynthetic` (GenerateSynthetic.ts) drives it into Parquet.
 *
 * A pump starts at the open time of candle slot `pump.startSlot` (ts = startTs + slot × interval);
 * over `pump.length` candles the close goes from the pre-pump price to `multiple` × that price.
 */
export {
  CALLERS,
  type CandleBuffers,
  DEAD,
  DUMP,
  generateCandles,
  makeCandleBuffers,
  type MarketParams,
  mintFor,
  mintsAndOrder,
  NORMAL,
  planToken,
  PUMP,
  type Pump,
  type Regime,
  type RegimeKind,
  regimeName,
  slotCount,
  startMsOf,
  type SyntheticAlert,
  type TokenPlan,
  tokenAlerts
} from "./internal/market.js"
