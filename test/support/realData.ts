/**
 * The real candles that the import and end-to-end tests read: four 1-minute BTC files covering
 * 1–21 March 2023 (Binance.US BTC/USDT, BTC/USDC and BTC/USD; Kraken BTC/USDC, headerless, from
 * 1 January to 31 March), spot exports taken from the public GitHub repository
 * `cl8550-crypto/iaqf_analysis`. The exchange data is not part of this repository: it is read from
 * `../shared/data/real-btc-2023-03` beside the checkout, where CI puts it.
 */
import * as NodePath from "node:path"
import { repoRoot } from "./cli.js"

export const realBtcData = NodePath.join(repoRoot, "..", "shared", "data", "real-btc-2023-03")
