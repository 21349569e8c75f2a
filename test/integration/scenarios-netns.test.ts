import { shippedScenarios } from './shipped-scenarios.js';

// `speakersim run --backend netns scenarios/*.yaml` against FRR 8.4 in network namespaces.
shippedScenarios('netns', ['root', 'frr', 'vtysh', 'ip', 'nft']);
