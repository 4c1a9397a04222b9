/**
 * What is in a checkpoint and a dataset, before any analysis: layers, parameters, the loss it was
 * trained with, and the samples the data holds.
 * Run: npx tsx docs/examples/load-checkpoint-and-data.ts
 */
import { readCheckpoint, loadDataset, checkpointCard } from 'losslens/io';

const checkpoint = await readCheckpoint('fixtures/spiral-tanh');
const card = checkpointCard(checkpoint);
console.log(`model = ${card.name}`);
console.log(`params = ${card.trainableParams}`);
console.log(`loss = ${card.loss}`);
for (const layer of card.layers) console.log(`layer ${layer.name} = ${layer.type}, ${layer.trainableParams} params`);

const data = await loadDataset({ data: 'fixtures/spiral-tanh/train.csv' });
console.log(`samples = ${data.n}`);
console.log(`input shape = ${data.xShape.join('×')}`);
