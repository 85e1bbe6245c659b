/// Why the capture procedure (BSI TR-03121-3) stopped before the plan was done; `partial` holds the
/// fingers finished.
public enum FingerprintCaptureError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The scanner failed in a way that a retry does not fix (removed, communication error, …).
    case scanner(FingerprintScannerError, partial: FingerprintSet)
    /// The capture was cancelled.
    case cancelled(partial: FingerprintSet)
    /// The kept image could not be compressed or packed into the record.
    case encoding(String, partial: FingerprintSet)

    /// The fingers finished before the stop.
    public var partial: FingerprintSet {
        switch self {
        case .scanner(_, let partial), .cancelled(let partial), .encoding(_, let partial): return partial
        }
    }

    public var description: String {
        switch self {
        case .scanner(let error, let partial):
            return "Fingerprint capture stopped after \(partial.entries.count) finger(s): \(error)"
        case .cancelled(let partial):
            return "Fingerprint capture cancelled after \(partial.entries.count) finger(s)."
        case .encoding(let reason, let partial):
            return "Fingerprint capture stopped after \(partial.entries.count) finger(s): \(reason)"
        }
    }
}

/// Runs a `FingerprintCapturePlan` on a scanner (BSI TR-03121-3 capture procedure for ID documents):
///
/// For each slot of the plan, the candidate fingers are tried in order (index → thumb → middle → ring).
/// A finger the clerk reports as missing, injured or not capturable is recorded as skipped and the
/// next candidate is tried. Of a finger that can be captured, `capturesPerFinger` images are taken
/// (three); each is assessed by `FingerprintQuality`, and a rejected one gives the clerk the reasons to
/// tell the citizen. Scanner retries, unusable images and captures without a finger count as attempts
/// but not as images, up to `maximumAttemptsPerFinger`. The best image is kept: accepted before
/// rejected, then the higher score, then the earlier one. If none of a finger's images is accepted,
/// the next candidate of the slot is tried (`tryNextFingerOnLowQuality`) and, if no candidate does
/// better, the best image over all of them is kept and marked as below the threshold. The kept image
/// is WSQ-compressed and packed into an ISO/IEC 19794-4 record with its score as image quality.
public struct FingerprintCaptureProcedure: Sendable {
    /// The plan.
    public var plan: FingerprintCapturePlan

    /// Creates a procedure for `plan`.
    public init(plan: FingerprintCapturePlan = .bsiDefault) {
        self.plan = plan
    }

    /// Runs the plan.
    public func run(scanner: any FingerprintScanner, clerk: any FingerprintCaptureClerk)
        async throws(FingerprintCaptureError) -> FingerprintSet
    {
        let info = await scanner.info
        var entries: [FingerprintSetEntry] = []
        func partial() -> FingerprintSet {
            FingerprintSet(scanner: info, capturesPerFinger: plan.capturesPerFinger, entries: entries)
        }

        for slot in plan.slots {
            var bestLowQuality: (entry: Int, finger: FingerprintFingerCaptures)?
            var kept = false
            let candidates = slot.candidates
            for (candidateIndex, finger) in candidates.enumerated() {
                let availability: FingerprintFingerAvailability
                if let reason = plan.knownSkips[finger] {
                    availability = .skip(reason)
                } else {
                    availability = await clerk.availability(of: finger)
                }
                if case .skip(let reason) = availability {
                    entries.append(FingerprintSetEntry(position: finger, outcome: .skipped(reason)))
                    await clerk.notice(.skipped(finger, reason))
                    continue
                }

                let captures: FingerprintFingerCaptures
                do {
                    captures = try await captureFinger(finger, scanner: scanner, clerk: clerk)
                } catch .cancelled {
                    throw .cancelled(partial: partial())
                } catch {
                    throw .scanner(error, partial: partial())
                }
                guard let best = captures.best else {
                    entries.append(FingerprintSetEntry(position: finger, outcome: .skipped(.noUsableImage)))
                    await clerk.notice(.skipped(finger, .noUsableImage))
                    continue
                }

                if best.quality.verdict == .accepted || !plan.tryNextFingerOnLowQuality {
                    let meets = best.quality.verdict == .accepted
                    entries.append(
                        FingerprintSetEntry(position: finger, outcome: .captured(try keep(captures, meets, partial))))
                    await clerk.notice(.fingerDone(finger, score: best.quality.score, meetsThreshold: meets))
                    kept = true
                    break
                }

                entries.append(
                    FingerprintSetEntry(position: finger, outcome: .notKept(FingerprintQualityFigures(best.quality))))
                if bestLowQuality.map({ best.quality.score > $0.finger.best?.quality.score ?? -1 }) ?? true {
                    bestLowQuality = (entries.count - 1, captures)
                }
                if candidateIndex + 1 < candidates.count {
                    await clerk.notice(.fallingBack(from: finger, to: candidates[candidateIndex + 1]))
                }
            }
            if !kept, let (index, captures) = bestLowQuality, let best = captures.best {
                entries[index].outcome = .captured(try keep(captures, false, partial))
                await clerk.notice(.fingerDone(captures.position, score: best.quality.score, meetsThreshold: false))
            }
        }
        return partial()
    }

    /// Takes the images of one finger.
    func captureFinger(
        _ finger: FingerImageRecord.Position, scanner: any FingerprintScanner, clerk: any FingerprintCaptureClerk
    ) async throws(FingerprintScannerError) -> FingerprintFingerCaptures {
        var result = FingerprintFingerCaptures(position: finger)
        var attempts = 0
        let events: @Sendable (FingerprintScannerEvent) -> Void = { event in clerk.scannerEvent(event, finger: finger) }
        while result.images.count < plan.capturesPerFinger, attempts < plan.maximumAttemptsPerFinger {
            attempts += 1
            let number = result.images.count + 1
            await clerk.notice(.placeFinger(finger, capture: number, of: plan.capturesPerFinger))
            let scan: FingerprintScan
            do {
                scan = try await scanner.capture(timeout: plan.captureTimeout, events: events)
            } catch .retry(let reason) {
                await clerk.notice(.scannerRetry(finger, reason))
                continue
            } catch .timeout {
                await clerk.notice(.noFingerPlaced(finger))
                continue
            } catch .invalidImage {
                await clerk.notice(.unusableImage(finger))
                continue
            }
            let image = scan.image
            guard (WSQEncoder.minimumSide...Int(UInt16.max)).contains(image.width),
                (WSQEncoder.minimumSide...Int(UInt16.max)).contains(image.height),
                image.pixels.count == image.width * image.height
            else {
                await clerk.notice(.unusableImage(finger))
                continue
            }
            let quality = FingerprintQuality(assessing: image, thresholds: plan.thresholds)
            result.images.append((image, quality))
            switch quality.verdict {
            case .accepted:
                await clerk.notice(.accepted(finger, capture: number, score: quality.score))
                if plan.stopAtFirstAccepted { return result }
            case .rejected(let issues):
                await clerk.notice(.rejected(finger, capture: number, score: quality.score, issues: issues))
            }
        }
        return result
    }

    /// Compresses and packs the best image of `captures`.
    func keep(_ captures: FingerprintFingerCaptures, _ meets: Bool, _ partial: () -> FingerprintSet)
        throws(FingerprintCaptureError) -> FingerprintCapturedFinger
    {
        guard let index = captures.bestIndex else { throw .encoding("no image to keep", partial: partial()) }
        let (image, quality) = captures.images[index]
        do {
            let wsq = try WSQEncoder.encode(
                pixels: image.pixels, width: image.width, height: image.height, ppi: image.ppi, bitRate: plan.wsqBitRate
            )
            let record = try FingerImageRecord.singleFingerWSQ(
                position: captures.position, quality: UInt8(clamping: quality.score), width: image.width,
                height: image.height, wsq: wsq
            ).encoded()
            return FingerprintCapturedFinger(
                position: captures.position, record: record, width: image.width, height: image.height,
                quality: FingerprintQualityFigures(quality), captureScores: captures.images.map(\.quality.score),
                keptCapture: index + 1, meetsQualityThreshold: meets)
        } catch let error as WSQError {
            throw .encoding(error.description, partial: partial())
        } catch let error as ISO19794_4Error {
            throw .encoding(error.description, partial: partial())
        } catch {
            throw .encoding("\(error)", partial: partial())
        }
    }
}

/// The images taken of one finger with their quality.
struct FingerprintFingerCaptures: Sendable {
    let position: FingerImageRecord.Position
    var images: [(image: FingerprintImage, quality: FingerprintQuality)] = []

    init(position: FingerImageRecord.Position) {
        self.position = position
    }

    /// Index of the best image: accepted before rejected, then higher score, then earlier.
    var bestIndex: Int? {
        var best: Int?
        for (index, candidate) in images.enumerated() {
            guard let current = best else {
                best = index
                continue
            }
            let incumbent = images[current].quality
            let candidateAccepted = candidate.quality.verdict == .accepted
            let incumbentAccepted = incumbent.verdict == .accepted
            if candidateAccepted != incumbentAccepted {
                if candidateAccepted { best = index }
            } else if candidate.quality.score > incumbent.score {
                best = index
            }
        }
        return best
    }

    var best: (image: FingerprintImage, quality: FingerprintQuality)? {
        bestIndex.map { images[$0] }
    }
}
