import { render } from 'preact';
import '../../lib/ui/base.css';
import { App } from './App.js';

render(<App />, document.getElementById('app')!);
