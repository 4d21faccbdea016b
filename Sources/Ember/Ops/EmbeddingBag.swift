// Bags of embeddings (`F.embedding_bag`, `nn.EmbeddingBag`): the rows of a weight for each bag of indices,
// summed, averaged or maxed without materialising the per-index rows as a batch of bags.

/// How `embeddingBag` combines the rows of one bag.
public enum EmbeddingBagMode: String, Sendable {
    /// The sum, the mean or the elementwise maximum of a bag's rows.
    case sum, mean, max
}

extension Tensor {
    /// The reduction of `weight`'s rows named by each bag of `input`: the rows of a 2-d input, or the spans of a
    /// 1-d input starting at `offsets` (the last one ending the input, or `includeLastOffset` to give its end).
    /// `perSampleWeights` scale the rows (sum only); `paddingIdx` rows are left out; an empty bag gives zeros
    /// (`F.embedding_bag`).
    public static func embeddingBag(_ input: Tensor, _ weight: Tensor, offsets: Tensor? = nil, mode: EmbeddingBagMode = .mean,
                                    perSampleWeights: Tensor? = nil, includeLastOffset: Bool = false, paddingIdx: Int? = nil,
                                    file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        check(input.dim == 2 || (input.dim == 1 && offsets != nil), "embedding_bag", "input has to be 2-d, or 1-d with offsets, "
              + "got \(shapeText(input.shape))", file: file, line: line)
        check(perSampleWeights == nil || mode == .sum, "embedding_bag", "embedding_bag: per_sample_weights only supported with "
              + "mode='sum'", file: file, line: line)
        let indices = input.reshape([-1]).to(.int64)
        let count = indices.numel
        var starts = input.dim == 2 ? (0..<input.shape[0]).map { $0 * input.shape[1] } : offsets!.toArray(as: Int64.self).map(Int.init)
        if includeLastOffset && input.dim == 1 { starts.removeLast() }
        let bags = starts.count
        let ends = starts.indices.map { $0 + 1 < bags ? starts[$0 + 1] : count }
        var bagOfIndex = [Int64](repeating: 0, count: count)
        for b in 0..<bags where starts[b] < ends[b] { for i in starts[b]..<ends[b] { bagOfIndex[i] = Int64(b) } }
        let padding = paddingIdx.map { $0 < 0 ? $0 + weight.shape[0] : $0 }
        let kept = indices.toArray(as: Int64.self).enumerated().filter { Int($0.element) != padding }.map { Int64($0.offset) }
        let keptIndex = Tensor(kept).placed(on: input.device), keptBags = Tensor(kept.map { bagOfIndex[Int($0)] }).placed(on: input.device)
        let compute = { (t: [Tensor]) -> Tensor in
            var rows = t[1].indexSelect(0, indices.indexSelect(0, keptIndex))
            if let scale = t.count > 2 ? t[2] : nil { rows = rows * scale.reshape([-1]).indexSelect(0, keptIndex).unsqueeze(1) }
            let zeros = Tensor.zeros([bags, t[1].shape[1]], dtype: t[1].dtype, device: t[1].device)
            let spread = keptBags.unsqueeze(1).expand(rows.shape).contiguous()
            switch mode {
            case .sum: return zeros.scatterAdd(0, spread, rows)
            case .mean:
                let sizes = Tensor.zeros([bags], dtype: t[1].dtype, device: t[1].device).scatterAdd(0, keptBags, Tensor.ones([kept.count], dtype: t[1].dtype, device: t[1].device))
                return zeros.scatterAdd(0, spread, rows) / sizes.clampMin(1).unsqueeze(1)
            case .max: return zeros.scatterReduce(0, spread, rows, reduce: .amax, includeSelf: false)
            }
        }
        let inputs = [input, weight] + (perSampleWeights.map { [$0] } ?? [])
        let out = noGrad { compute(inputs) }
        recordRecomputed("EmbeddingBagBackward0", inputs: inputs, output: out, compute: compute)
        return out
    }
}

extension F {
    /// Sums, means or maxima of bags of embedding rows, without materialising the rows (`F.embedding_bag`).
    public static func embeddingBag(_ input: Tensor, _ weight: Tensor, offsets: Tensor? = nil, mode: EmbeddingBagMode = .mean,
                                    perSampleWeights: Tensor? = nil, includeLastOffset: Bool = false, paddingIdx: Int? = nil) -> Tensor {
        Tensor.embeddingBag(input, weight, offsets: offsets, mode: mode, perSampleWeights: perSampleWeights,
                            includeLastOffset: includeLastOffset, paddingIdx: paddingIdx)
    }
}
