package har_test

import (
	"fmt"
	"os"
	"time"

	"github.com/hopsnet/hops/trace/har"
)

func ExampleHAR_WriteTo() {
	start := 250 * time.Millisecond // virtual time since the run's start
	t := har.Timings{
		Blocked: har.Ms(12 * time.Microsecond),
		DNS:     har.NotApplicable, // the connection was open already
		Connect: har.NotApplicable,
		Send:    har.Ms(9 * time.Microsecond),
		Wait:    har.Ms(20*time.Millisecond + 400*time.Microsecond),
		Receive: har.Ms(1234567 * time.Nanosecond), // rounded to 1.235
		SSL:     har.NotApplicable,
	}
	h := &har.HAR{Log: har.Log{
		Version: har.Version,
		Creator: har.Creator{Name: "hops", Version: "0.1"},
		Pages: []har.Page{{
			StartedDateTime: har.Time(start),
			ID:              "page_1",
			Title:           "Example",
			PageTimings:     har.PageTimings{OnContentLoad: 23.1, OnLoad: har.NotApplicable},
		}},
		Entries: []har.Entry{{
			Pageref:         "page_1",
			StartedDateTime: har.Time(start),
			Time:            t.Total(),
			Request: har.Request{
				Method:      "GET",
				URL:         "http://example.test/",
				HTTPVersion: "HTTP/1.1",
				Headers:     []har.NameValue{{Name: "Host", Value: "example.test"}},
				HeadersSize: 42,
			},
			Response: har.Response{
				Status:      200,
				StatusText:  "OK",
				HTTPVersion: "HTTP/1.1",
				Content:     har.Content{Size: 5, MimeType: "text/plain", Text: "hello"},
				HeadersSize: 38,
				BodySize:    5,
			},
			Cache:      har.Cache{BeforeRequest: har.NotCached()},
			Timings:    t,
			Connection: "49152",
		}},
	}}
	if err := h.Check(); err != nil {
		fmt.Println(err)
		return
	}
	h.WriteTo(os.Stdout)
	// Output:
	// {
	//   "log": {
	//     "version": "1.2",
	//     "creator": {
	//       "name": "hops",
	//       "version": "0.1"
	//     },
	//     "pages": [
	//       {
	//         "startedDateTime": "2000-01-01T00:00:00.250Z",
	//         "id": "page_1",
	//         "title": "Example",
	//         "pageTimings": {
	//           "onContentLoad": 23.1,
	//           "onLoad": -1
	//         }
	//       }
	//     ],
	//     "entries": [
	//       {
	//         "pageref": "page_1",
	//         "startedDateTime": "2000-01-01T00:00:00.250Z",
	//         "time": 21.656,
	//         "request": {
	//           "method": "GET",
	//           "url": "http://example.test/",
	//           "httpVersion": "HTTP/1.1",
	//           "cookies": [],
	//           "headers": [
	//             {
	//               "name": "Host",
	//               "value": "example.test"
	//             }
	//           ],
	//           "queryString": [],
	//           "headersSize": 42,
	//           "bodySize": 0
	//         },
	//         "response": {
	//           "status": 200,
	//           "statusText": "OK",
	//           "httpVersion": "HTTP/1.1",
	//           "cookies": [],
	//           "headers": [],
	//           "content": {
	//             "size": 5,
	//             "mimeType": "text/plain",
	//             "text": "hello"
	//           },
	//           "redirectURL": "",
	//           "headersSize": 38,
	//           "bodySize": 5
	//         },
	//         "cache": {
	//           "beforeRequest": null
	//         },
	//         "timings": {
	//           "blocked": 0.012,
	//           "dns": -1,
	//           "connect": -1,
	//           "send": 0.009,
	//           "wait": 20.4,
	//           "receive": 1.235,
	//           "ssl": -1
	//         },
	//         "connection": "49152"
	//       }
	//     ]
	//   }
	// }
}

func ExampleHAR_Check() {
	h := &har.HAR{Log: har.Log{
		Version: har.Version,
		Creator: har.Creator{Name: "hops", Version: "0.1"},
		Entries: []har.Entry{{
			StartedDateTime: har.Time(0),
			Time:            30, // but the timings add up to 25
			Request:         har.Request{Method: "GET", URL: "http://example.test/a.css"},
			Timings:         har.Timings{Blocked: 0, DNS: -1, Connect: -1, Send: 1, Wait: 20, Receive: 4, SSL: -1},
		}},
	}}
	fmt.Println(h.Check())
	// Output:
	// har: entry 0 (GET http://example.test/a.css): time 30 ms is not the sum of its timings, 25 ms (blocked, dns, connect, send, wait, receive that are >= 0; ssl is part of connect)
}
